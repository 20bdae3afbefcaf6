import { Context } from '@temporalio/activity';
import type { Services } from '../services/index.js';
import type { RetentionTable } from '../common/retention-tables.js';

/** Where a table's clean-up got to: what a retry of the activity resumes from. */
interface CleanUpProgress {
  after?: string;
  deleted: number;
  batches: number;
}

export function createRetentionActivities(services: Services) {
  return {
    /** Keeps the months ahead partitioned and drops the months past the retention. */
    async keepDailyBalancePartitions(input: {
      today: string;
    }): Promise<{ created: number; dropped: string[] }> {
      const created = await services.retention.createDailyBalancePartitions(input.today);
      const dropped = await services.retention.dropDailyBalancePartitions(input.today);
      return { created, dropped };
    },

    /**
     * Deletes `table`'s rows older than its retention at `now`, one short transaction per batch,
     * heartbeating where it got to: a retry after a crash goes on from the last batch committed.
     */
    async deleteExpiredRows(input: {
      table: RetentionTable;
      now: string;
    }): Promise<{ deleted: number; batches: number }> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as CleanUpProgress | undefined;
      const progress: CleanUpProgress = resumed ?? { deleted: 0, batches: 0 };
      const now = new Date(input.now);
      for (;;) {
        const batch = await services.retention.deleteBatch(
          input.table,
          now,
          progress.after === undefined ? undefined : BigInt(progress.after),
        );
        progress.deleted += batch.deleted;
        progress.batches += 1;
        progress.after = batch.next?.toString();
        context.heartbeat(progress);
        if (batch.next === undefined) break;
      }
      return { deleted: progress.deleted, batches: progress.batches };
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
