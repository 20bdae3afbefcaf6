import { randomUUID } from 'node:crypto';
import type { AccountStatus } from '../machines/account-status.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { recordEvent } from './events.js';
import type { Tenant } from './tenant.js';
import { inTransaction } from './transactions.js';

const sameSet = <T>(a: T[], b: T[]) => a.length === b.length && a.every((item) => b.includes(item));

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

    /**
     * Changes the settings under the environment's row lock and records what changed
     * (environment.settings_changed) in the same transaction; asking for what already is
     * changes nothing and records nothing, so a repeated PATCH writes one event.
     */
    async update(
      tenant: Tenant,
      changes: Partial<EnvironmentSettings>,
    ): Promise<EnvironmentSettings> {
      return inTransaction(prisma, async (tx) => {
        const [current] = await tx.$queryRaw<EnvironmentSettings[]>`
          SELECT "statusReasonRequiredFor"::text[] AS "statusReasonRequiredFor" FROM "Environment"
          WHERE id = ${tenant.environmentId}::uuid FOR UPDATE`;
        const before = { statusReasonRequiredFor: current!.statusReasonRequiredFor };
        const after = {
          statusReasonRequiredFor: changes.statusReasonRequiredFor
            ? [...new Set(changes.statusReasonRequiredFor)]
            : before.statusReasonRequiredFor,
        };
        if (sameSet(before.statusReasonRequiredFor, after.statusReasonRequiredFor)) return before;
        await tx.environment.update({ where: { id: tenant.environmentId }, data: after });
        await recordEvent(tx, {
          type: 'environment.settings_changed',
          key: `environment:${tenant.environmentId}:settings:${randomUUID()}`,
          ...tenant,
          subjectType: 'environment',
          subjectId: tenant.environmentId,
          payload: { environmentId: tenant.environmentId, before, after },
        });
        return after;
      });
    },
  };
}

export type Settings = ReturnType<typeof createSettings>;
