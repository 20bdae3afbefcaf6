import type { AccountStatus } from '../machines/account-status.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Tenant } from './tenant.js';

// An org's settings in one environment.

export interface EnvironmentSettings {
  /** Target statuses for which an account status change must carry a reason */
  statusReasonRequiredFor: AccountStatus[];
}

export function createSettings({ prisma }: { prisma: PrismaClient }) {
  return {
    async get(tenant: Tenant): Promise<EnvironmentSettings> {
      const environment = await prisma.environment.findUniqueOrThrow({
        where: { id: tenant.environmentId },
      });
      return { statusReasonRequiredFor: environment.statusReasonRequiredFor };
    },

    async update(
      tenant: Tenant,
      changes: Partial<EnvironmentSettings>,
    ): Promise<EnvironmentSettings> {
      const environment = await prisma.environment.update({
        where: { id: tenant.environmentId },
        data: changes.statusReasonRequiredFor
          ? { statusReasonRequiredFor: [...new Set(changes.statusReasonRequiredFor)] }
          : {},
      });
      return { statusReasonRequiredFor: environment.statusReasonRequiredFor };
    },
  };
}

export type Settings = ReturnType<typeof createSettings>;
