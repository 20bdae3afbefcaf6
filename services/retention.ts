import type { PrismaClient } from '../generated/prisma/client.js';
import { addDays } from '../common/plain-dates.js';
import type { RetentionTable } from '../common/retention-tables.js';

// Data retention: the daily balances leave a monthly partition at a time; the other growing
// tables lose their expired rows in short batches. Both go through functions the tables' owner
// made (migrations 20261207200000_daily_balance_partitions, 20261207210000_retention), because the
// product's role may neither create or drop tables nor delete history; the functions refuse to
// remove anything younger than the least retention, whoever calls them.

export interface RetentionSettings {
  /** Days of daily balances kept; a month's partition is dropped once all its days are older */
  dailyBalanceDays: number;
  /** Months of daily balance partitions created ahead of today */
  dailyBalancePartitionsAheadMonths: number;
  /** How long each table keeps a row (WebhookDelivery: with its attempts) */
  keepMs: Record<RetentionTable, number>;
  /** Rows deleted per transaction */
  batchSize: number;
}

export function createRetention({
  prisma,
  retention,
}: {
  prisma: PrismaClient;
  retention: RetentionSettings;
}) {
  return {
    /** Creates the daily balance partitions missing from this month through the months ahead. */
    async createDailyBalancePartitions(today: string): Promise<number> {
      const through = addMonths(today, retention.dailyBalancePartitionsAheadMonths);
      const [row] = await prisma.$queryRaw<[{ created: number }]>`
        SELECT "AccountDailyBalance_create_partitions"(${today}::date, ${through}::date) AS created`;
      return row.created;
    },

    /** Detaches and drops the daily balance partitions whose days are all past the retention. */
    async dropDailyBalancePartitions(today: string): Promise<string[]> {
      const before = addDays(today, -retention.dailyBalanceDays);
      const rows = await prisma.$queryRaw<{ name: string }[]>`
        SELECT name FROM "AccountDailyBalance_drop_partitions"(${before}::date) AS name`;
      return rows.map((row) => row.name);
    },

    /**
     * Deletes one batch of `table`'s rows older than its retention at `now`, from `after` (a key
     * the previous batch returned); `next` is undefined once the table has nothing more to delete.
     */
    async deleteBatch(
      table: RetentionTable,
      now: Date,
      after?: bigint,
    ): Promise<{ deleted: number; next?: bigint }> {
      const before = new Date(now.getTime() - retention.keepMs[table]);
      const [row] = await prisma.$queryRaw<[{ deleted: number; next_key: bigint | null }]>`
        SELECT deleted, next_key FROM "retention_delete_batch"(
          ${table}, ${before}::timestamptz, ${after ?? 0n}::bigint, ${retention.batchSize}::integer)`;
      return { deleted: row.deleted, next: row.next_key ?? undefined };
    },
  };
}

/** The first day of the month `months` after the month of `date` (YYYY-MM-DD). */
function addMonths(date: string, months: number): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(year, month - 1 + months, 1));
  return first.toISOString().slice(0, 10);
}
