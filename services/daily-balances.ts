import { balanceLimitsSql } from '../machines/balance-limits.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import { dateColumn, localDate } from '../common/plain-dates.js';
import type { Tenant } from './tenant.js';

/**
 * The daily snapshot of one org ($1): every account that existed at the cutoff ($3, the
 * scheduled 23:59) gets one row for the local date ($2), in one set-based statement whatever the
 * number of accounts. The balance is the ledger's as of the cutoff, so a late run or a backfill
 * of a missed day records that day's balance; ON CONFLICT makes a re-run write nothing.
 */
const snapshotLimits = balanceLimitsSql('b.balance', 'a."creditLimit"');
export const DAILY_SNAPSHOT_SQL = `
  INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
                                     balance, "creditLimit", "availableCreditLimit", "availableToSpend")
  SELECT a.id, $2::date, a."orgId", a."environmentId", a."programId", p.currency,
         b.balance, a."creditLimit", ${snapshotLimits.availableCreditLimit}, ${snapshotLimits.availableToSpend}
  FROM "Account" a
  JOIN "Program" p ON p.id = a."programId"
  CROSS JOIN LATERAL (
    SELECT COALESCE((
      SELECT t."balanceAfter" FROM "AccountTransaction" t
      WHERE t."accountId" = a.id AND t."createdAt" <= $3::timestamptz
      ORDER BY t."createdAt" DESC LIMIT 1), 0) AS balance
  ) b
  WHERE a."orgId" = $1::uuid AND a."createdAt" <= $3::timestamptz
  ON CONFLICT ("accountId", date) DO NOTHING`;

export interface DailyBalancePage {
  items: {
    date: Date;
    currency: string;
    programId: string;
    balance: bigint;
    creditLimit: bigint;
    availableCreditLimit: bigint;
    availableToSpend: bigint;
  }[];
  totalItems: number;
}

export function createDailyBalanceService({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Records the org's snapshot for the local date of `scheduledAt`; returns the date and rows written. */
    async snapshot(orgId: string, scheduledAt: Date): Promise<{ date: string; written: number }> {
      const org = await prisma.org.findUnique({ where: { id: orgId }, select: { timeZone: true } });
      if (!org) throw DomainFailure.notFound(`org ${orgId}`);
      const date = localDate(scheduledAt, org.timeZone);
      // The retention run keeps months ahead; this covers a backfill or a run before it ever ran
      await prisma.$queryRaw`SELECT "AccountDailyBalance_create_partitions"(${date}::date, ${date}::date)`;
      const written = await prisma.$executeRawUnsafe(
        DAILY_SNAPSHOT_SQL,
        orgId,
        date,
        scheduledAt.toISOString(),
      );
      return { date, written };
    },

    /** Today's date where the org is. */
    async today(tenant: Tenant, now: Date): Promise<string> {
      const org = await prisma.org.findUniqueOrThrow({
        where: { id: tenant.orgId },
        select: { timeZone: true },
      });
      return localDate(now, org.timeZone);
    },

    /** One page of an account's snapshots between two dates (inclusive), oldest first. */
    async page(
      tenant: Tenant,
      accountId: string,
      range: { start: string; end: string },
      page: { page: number; perPage: number },
    ): Promise<DailyBalancePage> {
      const account = await prisma.account.findFirst({
        where: { id: accountId, environmentId: tenant.environmentId },
        select: { id: true },
      });
      if (!account) throw DomainFailure.notFound(`account ${accountId}`);
      const where = {
        accountId,
        environmentId: tenant.environmentId,
        date: { gte: dateColumn(range.start), lte: dateColumn(range.end) },
      };
      const [items, totalItems] = await Promise.all([
        prisma.accountDailyBalance.findMany({
          where,
          orderBy: { date: 'asc' },
          skip: (page.page - 1) * page.perPage,
          take: page.perPage,
          select: {
            date: true,
            currency: true,
            programId: true,
            balance: true,
            creditLimit: true,
            availableCreditLimit: true,
            availableToSpend: true,
          },
        }),
        prisma.accountDailyBalance.count({ where }),
      ]);
      return { items, totalItems };
    },
  };
}

export type DailyBalanceService = ReturnType<typeof createDailyBalanceService>;
