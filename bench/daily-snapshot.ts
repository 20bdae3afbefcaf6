import pg from 'pg';
import { createPrisma } from '../runtime/prisma.js';
import { createDailyBalanceService, DAILY_SNAPSHOT_SQL } from '../services/daily-balances.js';
import type { BenchContext } from './context.js';
import { onStop } from './lifecycle.js';
import { figure, measureInTurn, type Figure } from './measure.js';

// The daily snapshot of an org with many accounts (100,000 in the full run): the product's
// snapshot (the service the scheduled workflow's activity runs, in this process, as the
// product's role) against the same INSERT ... SELECT through raw `pg` into a scratch copy of the
// table. Each round snapshots a new day, so every round writes.

const DAY_MS = 24 * 3600 * 1000;

export async function benchDailySnapshot(ctx: BenchContext): Promise<Figure> {
  const { accounts, ...rounds } = ctx.sizes.snapshot;
  // Seeding and the scratch table take the owner; the product's snapshot runs as the product does.
  const pool = new pg.Pool({ connectionString: ctx.ownerDatabaseUrl, max: 1 });
  const endPool = onStop('the snapshot pool', () => pool.end());
  const prisma = createPrisma(ctx.databaseUrl, { maxConnections: 1 });
  const endPrisma = onStop('the snapshot Prisma client', () => prisma.$disconnect());
  try {
    // Accounts opened a year ago, each with one cash-in, seeded set-based. (Accounts the other
    // figures made are younger than every snapshot day, so they are not in them.)
    await pool.query(
      `WITH accounts AS (
         INSERT INTO "Account" (id, "orgId", "environmentId", "programId", balance, "createdAt", "updatedAt")
         SELECT gen_random_uuid(), $1, $2, $3, 1000 + n, now() - interval '365 days', now() FROM generate_series(1, $4) AS n
         RETURNING id, balance)
       INSERT INTO "AccountTransaction" (id, "orgId", "environmentId", "accountId", type, amount, currency, "balanceAfter", actor, "createdAt")
       SELECT gen_random_uuid(), $1, $2, id, 'CASH_IN', balance, 'BRL', balance, 'bench', now() - interval '300 days' FROM accounts`,
      [ctx.orgId, ctx.environmentId, ctx.programId, accounts],
    );
    await pool.query('CREATE TABLE "BenchDailyBalance" (LIKE "AccountDailyBalance" INCLUDING ALL)');
    await pool.query('ANALYZE');

    const scratchSql = DAILY_SNAPSHOT_SQL.replace('"AccountDailyBalance"', '"BenchDailyBalance"');
    const dayOf = (i: number) => new Date(Date.now() - (i + 2) * DAY_MS);
    const viaPg = async (i: number) => {
      const scheduledAt = dayOf(i);
      const result = await pool.query(scratchSql, [
        ctx.orgId,
        scheduledAt.toISOString().slice(0, 10),
        scheduledAt.toISOString(),
      ]);
      if (result.rowCount !== accounts)
        throw new Error(`raw snapshot wrote ${result.rowCount} rows`);
    };
    const balances = createDailyBalanceService({ prisma });
    const viaProduct = async (i: number) => {
      const { written } = await balances.snapshot(ctx.orgId, dayOf(i));
      if (written !== accounts) throw new Error(`snapshot wrote ${written} rows`);
    };
    const { baseline: raw, product } = await measureInTurn(viaPg, viaProduct, rounds);
    return figure(
      'daily snapshot',
      'ms',
      '—',
      `${accounts} accounts, p50 of ${product.operations} rounds after ${rounds.warmupPerWorker} warm-up, a new day each`,
      { label: 'daily balance service snapshot (the activity)', value: product.p50Ms },
      { label: 'DAILY_SNAPSHOT_SQL through raw pg into a scratch table', value: raw.p50Ms },
    );
  } finally {
    await endPrisma();
    await endPool();
  }
}
