import type { Services } from '../services/index.js';

export function createDailySnapshotActivities(services: Services) {
  return {
    /** One set-based statement for all the org's accounts; a retry or re-run writes nothing twice. */
    recordDailySnapshot(input: { orgId: string; scheduledAt: string }) {
      return services.dailyBalances.snapshot(input.orgId, new Date(input.scheduledAt));
    },

    /** Rewrites the same files from the same rows, so a retry is harmless. */
    async writeAccountLimitsReports(input: {
      orgId: string;
      date: string;
      scheduledAt: string;
    }): Promise<number> {
      return (await services.reports.write(input.orgId, input.date, new Date(input.scheduledAt)))
        .length;
    },
  };
}

export type DailySnapshotActivities = ReturnType<typeof createDailySnapshotActivities>;
