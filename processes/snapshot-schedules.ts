import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleSpec,
} from '@temporalio/client';
import { scheduleIds, workflowIds } from '../common/temporal-names.js';
import { DAILY_SNAPSHOT_TIME } from '../machines/daily-balance-range.js';
import { runOwnership, runSummaries } from './workflow-starts.js';

/** The Temporal Schedule of each org's daily account snapshot. */
export interface SnapshotSchedules {
  /** Creates the org's schedule; one that already exists is kept. */
  create(orgId: string, timeZone: string): Promise<void>;
  /** Moves the schedule to another time zone, creating it if the org has none yet. */
  moveTo(orgId: string, timeZone: string): Promise<void>;
  delete(orgId: string): Promise<void>;
}

/** The snapshot time every day where the org is; Temporal applies the zone's daylight-saving rules. */
export function dailySnapshotSpec(timeZone: string): ScheduleSpec {
  return { calendars: [{ ...DAILY_SNAPSHOT_TIME }], timezone: timeZone };
}

export function temporalSnapshotSchedules(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
}): SnapshotSchedules {
  const { temporal } = deps;

  async function create(orgId: string, timeZone: string): Promise<void> {
    try {
      await temporal.schedule.create({
        scheduleId: scheduleIds.dailyAccountSnapshot(orgId),
        spec: dailySnapshotSpec(timeZone),
        action: {
          type: 'startWorkflow',
          workflowType: 'dailyAccountSnapshot',
          // Temporal appends the scheduled time, so each day's run has its own id.
          workflowId: workflowIds.dailyAccountSnapshot(orgId),
          taskQueue: deps.taskQueue,
          args: [{ orgId }],
          ...runOwnership(deps, { orgId }),
          ...runSummaries.dailySnapshot(orgId),
        },
        policies: {
          // Every day must be recorded: a run still going when the next is due is followed, not skipped.
          overlap: ScheduleOverlapPolicy.BUFFER_ALL,
          // Days missed while Temporal was down are caught up for a week; older ones by backfill.
          catchupWindow: '7 days',
        },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }

  return {
    create,
    async moveTo(orgId, timeZone) {
      try {
        await temporal.schedule
          .getHandle(scheduleIds.dailyAccountSnapshot(orgId))
          .update((previous) => ({ ...previous, spec: dailySnapshotSpec(timeZone) }));
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        await create(orgId, timeZone);
      }
    },
    async delete(orgId) {
      try {
        await temporal.schedule.getHandle(scheduleIds.dailyAccountSnapshot(orgId)).delete();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      }
    },
  };
}

/** Where the Temporal server has no Schedules (the time-skipping test server). */
export const noSnapshotSchedules: SnapshotSchedules = {
  create: () => Promise.resolve(),
  moveTo: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};
