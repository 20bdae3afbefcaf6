import pg from 'pg';
import { createPrisma } from '../runtime/prisma.js';
import { createDailyBalanceService, DAILY_SNAPSHOT_SQL } from '../services/daily-balances.js';
import type { BenchContext } from './context.js';
import { onStop } from './lifecycle.js';
import { figure, measureInTurn, type Figure } from './measure.js';

// The daily snapshot of an org with many accounts (100,000 in the full run): the product's
// snapshot (the service the scheduled workflow's activity runs, in this process, as the
// product's role) against the same statements (the day's partition, then the INSERT ... SELECT)
// through raw `pg` as the same role into the same table, with its keys and partitions. Each round
// snapshots a new day for each side, so every round writes as much.

const DAY_MS = 24 * 3600 * 1000;

export async function benchDailySnapshot(ctx: BenchContext): Promise<Figure> {
  const { accounts, ...rounds } = ctx.sizes.snapshot;
  // Seeding takes the owner; both snapshots run as the product's role.
  const pool = new pg.Pool({ connectionString: ctx.ownerDatabaseUrl, max: 1 });
  const endPool = onStop('the snapshot pool', () => pool.end());
  const raw = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 });
  const endRaw = onStop('the raw snapshot pool', () => raw.end());
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
    await pool.query('ANALYZE');

    // Days apart, so neither side finds the other's rows: the floor's even, the product's odd
    const dayOf = (i: number, side: 0 | 1) => new Date(Date.now() - (2 * i + 2 + side) * DAY_MS);
    const viaPg = async (i: number) => {
      const scheduledAt = dayOf(i, 0);
      const date = scheduledAt.toISOString().slice(0, 10);
      await raw.query(`SELECT "AccountDailyBalance_create_partitions"($1::date, $1::date)`, [date]);
      const result = await raw.query(DAILY_SNAPSHOT_SQL, [
        ctx.orgId,
        date,
        scheduledAt.toISOString(),
      ]);
      if (result.rowCount !== accounts)
        throw new Error(`raw snapshot wrote ${result.rowCount} rows`);
    };
    const balances = createDailyBalanceService({ prisma });
    const viaProduct = async (i: number) => {
      const { written } = await balances.snapshot(ctx.orgId, dayOf(i, 1));
      if (written !== accounts) throw new Error(`snapshot wrote ${written} rows`);
    };
    const { baseline: floor, product } = await measureInTurn(viaPg, viaProduct, rounds);
    return figure(
      'daily snapshot',
      'ms',
      '—',
      `${accounts} accounts, p50 of ${product.operations} rounds after ${rounds.warmupPerWorker} warm-up, a new day each`,
      { label: 'daily balance service snapshot (the activity)', value: product.p50Ms },
      { label: 'the same statements through raw pg into the same table', value: floor.p50Ms },
    );
  } finally {
    await endPrisma();
    await endRaw();
    await endPool();
  }
}
