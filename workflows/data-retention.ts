import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RetentionActivities } from '../activities/retention-activities.js';
import { RETENTION_TABLES, type RetentionTable } from '../common/retention-tables.js';

// The daily data retention, started by its schedule: keep the daily balances' partitions ahead
// and drop the months past their retention, then clean each growing table in turn. The
// activities do the work in short batches; the history stays the same size whatever they remove.

export interface DataRetentionResult {
  partitionsCreated: number;
  partitionsDropped: string[];
  /** Rows deleted per table (WebhookDelivery: deliveries, with their attempts) */
  deleted: Record<RetentionTable, number>;
}

const activities = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function dataRetention(): Promise<DataRetentionResult> {
  const now = workflowInfo().runStartTime;
  const partitions = await activities.keepDailyBalancePartitions({
    today: now.toISOString().slice(0, 10),
  });
  const deleted = {} as Record<RetentionTable, number>;
  for (const table of RETENTION_TABLES) {
    deleted[table] = (
      await activities.deleteExpiredRows({ table, now: now.toISOString() })
    ).deleted;
  }
  const result = {
    partitionsCreated: partitions.created,
    partitionsDropped: partitions.dropped,
    deleted,
  };
  log.info('data retention done', { ...result });
  return result;
}
