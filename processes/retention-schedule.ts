import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { scheduleIds, workflowIds } from '../common/temporal-names.js';

/** When the data retention runs every day, UTC: a quiet hour for most zones' snapshots at 23:59. */
const RETENTION_TIME = { hour: 3, minute: 30 } as const;

/** The one Temporal Schedule of the product's data retention (workflows/data-retention.ts). */
export interface RetentionSchedule {
  /** Creates the schedule; one that already exists is kept. */
  create(): Promise<void>;
}

export function temporalRetentionSchedule(deps: {
  temporal: Client;
  taskQueue: string;
}): RetentionSchedule {
  return {
    async create() {
      try {
        await deps.temporal.schedule.create({
          scheduleId: scheduleIds.dataRetention(),
          spec: { calendars: [{ ...RETENTION_TIME }] },
          action: {
            type: 'startWorkflow',
            workflowType: 'dataRetention',
            // Temporal appends the scheduled time, so each day's run has its own id.
            workflowId: workflowIds.dataRetention(),
            taskQueue: deps.taskQueue,
            args: [],
            staticSummary: 'Data retention',
          },
          policies: {
            // A day's run still going when the next is due finishes it; the next adds nothing.
            overlap: ScheduleOverlapPolicy.SKIP,
            catchupWindow: '1 day',
          },
        });
      } catch (error) {
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      }
    },
  };
}

/** Where the Temporal server has no Schedules (the time-skipping test server). */
export const noRetentionSchedule: RetentionSchedule = { create: () => Promise.resolve() };
