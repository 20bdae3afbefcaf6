import { DomainFailure } from '../../common/failures.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Tenant } from '../tenant.js';

// What happened to an account, oldest first: its status changes, and its program migrations and
// due day changes. Both are append-only in the database.

export interface HistoryPage {
  limit: number;
  /** The last entry id of the previous page */
  after?: bigint;
}

export function createAccountHistory({ prisma }: { prisma: PrismaClient }) {
  async function requireAccount(tenant: Tenant, accountId: string) {
    const account = await prisma.account.findFirst({
      where: { id: accountId, environmentId: tenant.environmentId },
      select: { id: true },
    });
    if (!account) throw DomainFailure.notFound(`account ${accountId}`);
  }
  const where = (tenant: Tenant, accountId: string, page: HistoryPage) => ({
    accountId,
    environmentId: tenant.environmentId,
    ...(page.after ? { id: { gt: page.after } } : {}),
  });

  return {
    async statusChanges(tenant: Tenant, accountId: string, page: HistoryPage) {
      await requireAccount(tenant, accountId);
      return prisma.accountStatusChange.findMany({
        where: where(tenant, accountId, page),
        orderBy: { id: 'asc' },
        take: page.limit,
        include: { reason: { select: { id: true, code: true } } },
      });
    },

    async events(tenant: Tenant, accountId: string, page: HistoryPage) {
      await requireAccount(tenant, accountId);
      return prisma.accountEvent.findMany({
        where: where(tenant, accountId, page),
        orderBy: { id: 'asc' },
        take: page.limit,
      });
    },
  };
}
