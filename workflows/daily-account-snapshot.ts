import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { DailySnapshotActivities } from '../activities/daily-snapshot-activities.js';
import type { FailureType } from '../common/failures.js';

// One org's daily snapshot, started by the org's schedule at 23:59 in its time zone: record every
// account's balances and limits for that local date, then write the day's report files. Two
// activities whatever the number of accounts, so the history stays the same size.

export interface DailyAccountSnapshotInput {
  orgId: string;
  /** ISO-8601 time the snapshot is for; defaults to the schedule's scheduled time */
  scheduledAt?: string;
}

export interface DailyAccountSnapshotResult {
  date: string;
  written: number;
  reports: number;
}

/** Set by Temporal on runs a schedule starts: the time the run was due, also for a backfill. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

const activities = proxyActivities<DailySnapshotActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function dailyAccountSnapshot(
  input: DailyAccountSnapshotInput,
): Promise<DailyAccountSnapshotResult> {
  const scheduledAt =
    input.scheduledAt ??
    workflowInfo().typedSearchAttributes.get(scheduledStartTime)?.toISOString();
  if (!scheduledAt) {
    throw ApplicationFailure.nonRetryable(
      'no scheduled time: start from the schedule or pass scheduledAt',
      'VALIDATION' satisfies FailureType,
    );
  }
  const { date, written } = await activities.recordDailySnapshot({
    orgId: input.orgId,
    scheduledAt,
  });
  const reports = await activities.writeAccountLimitsReports({
    orgId: input.orgId,
    date,
    scheduledAt,
  });
  return { date, written, reports };
}
