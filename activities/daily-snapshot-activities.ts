import type { PrismaClient } from '../runtime/prisma.js';
import { createAccountLimitsReports } from '../services/account-limits-reports.js';
import { createDailyBalanceService } from '../services/daily-balances.js';

export interface DailySnapshotActivityDeps {
  prisma: PrismaClient;
  reportsDir: string;
}

export function createDailySnapshotActivities(deps: DailySnapshotActivityDeps) {
  const balances = createDailyBalanceService(deps);
  const reports = createAccountLimitsReports(deps);
  return {
    /** One set-based statement for all the org's accounts; a retry or re-run writes nothing twice. */
    recordDailySnapshot(input: { orgId: string; scheduledAt: string }) {
      return balances.snapshot(input.orgId, new Date(input.scheduledAt));
    },

    /** Rewrites the same files from the same rows, so a retry is harmless. */
    async writeAccountLimitsReports(input: {
      orgId: string;
      date: string;
      scheduledAt: string;
    }): Promise<number> {
      return (await reports.write(input.orgId, input.date, new Date(input.scheduledAt))).length;
    },
  };
}

export type DailySnapshotActivities = ReturnType<typeof createDailySnapshotActivities>;
