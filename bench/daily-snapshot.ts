import pg from 'pg';
import { createPrisma } from '../runtime/prisma.js';
import { createDailyBalanceService, DAILY_SNAPSHOT_SQL } from '../services/daily-balances.js';
import type { BenchContext } from './context.js';
import { measure, type Measurement } from './measure.js';

// The daily snapshot of an org with 100,000 accounts: the product's snapshot (what the scheduled
// workflow's activity runs) against the same INSERT ... SELECT through raw `pg` into a scratch
// copy of the table, in the same run. Each round snapshots a new day, so every round writes.

const ACCOUNTS = 100_000;
const ROUNDS = 3;
const DAY_MS = 24 * 3600 * 1000;

export async function benchDailySnapshot(ctx: BenchContext): Promise<Measurement[]> {
  const firstAccount = await ctx.createAccount();
  // Seeding and the scratch table take the owner; the product's snapshot runs as the product does.
  const pool = new pg.Pool({ connectionString: ctx.ownerDatabaseUrl, max: 1 });
  const prisma = createPrisma(ctx.databaseUrl, { maxConnections: 1 });
  try {
    const { rows } = await pool.query<{ orgId: string; environmentId: string; programId: string }>(
      'SELECT "orgId", "environmentId", "programId" FROM "Account" WHERE id = $1',
      [firstAccount],
    );
    const { orgId, environmentId, programId } = rows[0]!;
    // Accounts opened a year ago, each with one cash-in, seeded set-based. (The API-made account
    // is younger than every snapshot day, so it is not in them.)
    await pool.query(
      `WITH accounts AS (
         INSERT INTO "Account" (id, "orgId", "environmentId", "programId", balance, "createdAt", "updatedAt")
         SELECT gen_random_uuid(), $1, $2, $3, 1000 + n, now() - interval '365 days', now() FROM generate_series(1, $4) AS n
         RETURNING id, balance)
       INSERT INTO "AccountTransaction" (id, "orgId", "environmentId", "accountId", type, amount, currency, "balanceAfter", actor, "createdAt")
       SELECT gen_random_uuid(), $1, $2, id, 'CASH_IN', balance, 'BRL', balance, 'bench', now() - interval '300 days' FROM accounts`,
      [orgId, environmentId, programId, ACCOUNTS],
    );
    await pool.query('CREATE TABLE "BenchDailyBalance" (LIKE "AccountDailyBalance" INCLUDING ALL)');
    await pool.query('ANALYZE');

    const scratchSql = DAILY_SNAPSHOT_SQL.replace('"AccountDailyBalance"', '"BenchDailyBalance"');
    const dayOf = (i: number) => new Date(Date.now() - (i + 2) * DAY_MS);
    const viaPg = async (_: number, i: number) => {
      const scheduledAt = dayOf(i);
      const result = await pool.query(scratchSql, [
        orgId,
        scheduledAt.toISOString().slice(0, 10),
        scheduledAt.toISOString(),
      ]);
      if (result.rowCount !== ACCOUNTS)
        throw new Error(`raw snapshot wrote ${result.rowCount} rows`);
    };
    const balances = createDailyBalanceService({ prisma });
    const viaProduct = async (_: number, i: number) => {
      const { written } = await balances.snapshot(orgId, dayOf(i));
      if (written !== ACCOUNTS) throw new Error(`snapshot wrote ${written} rows`);
    };
    const options = { perWorker: ROUNDS, warmupPerWorker: 1 };
    const raw = await measure(
      `daily snapshot ${ACCOUNTS} accounts, raw pg INSERT ... SELECT (baseline)`,
      [0],
      viaPg,
      options,
    );
    const product = await measure(
      `daily snapshot ${ACCOUNTS} accounts, snapshot activity`,
      [0],
      viaProduct,
      options,
    );
    return [raw, { ...product, baseline: raw }];
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}
