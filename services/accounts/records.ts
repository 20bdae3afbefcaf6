import type { Prisma } from '../../generated/prisma/client.js';
import { DomainFailure } from '../../common/failures.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Tenant } from '../tenant.js';

// An account as the API shows it: with its program, its status reason and its holder.

const accountInclude = {
  program: { select: { id: true, name: true, type: true, cardNetwork: true, currency: true } },
  statusReason: { select: { id: true, code: true, description: true } },
  customers: {
    where: { role: 'HOLDER' },
    select: {
      role: true,
      customer: { select: { id: true, kind: true, name: true, documentNumber: true } },
    },
  },
} satisfies Prisma.AccountInclude;

export type AccountRecord = Prisma.AccountGetPayload<{ include: typeof accountInclude }>;

export function createAccountRecords({ prisma }: { prisma: PrismaClient }) {
  return {
    async get(tenant: Tenant, id: string): Promise<AccountRecord> {
      const account = await prisma.account.findFirst({
        where: { id, environmentId: tenant.environmentId },
        include: accountInclude,
      });
      if (!account) throw DomainFailure.notFound(`account ${id}`);
      return account;
    },
  };
}
