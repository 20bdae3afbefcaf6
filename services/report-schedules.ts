import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import { DAILY_SNAPSHOT_TIME } from '../machines/daily-balance-range.js';
import { recordEvent } from './events.js';
import { inTransaction } from './transactions.js';
import type { Tenant } from './tenant.js';

// Which reports an environment gets and when: today one, the daily account limits report, written
// after the daily snapshot at 23:59 in the org's time zone. The issuer turns it on or off per
// environment; each change bumps the environment's report schedule version (its ETag) and records
// a `report.schedule_changed` event in the same transaction.

export const reportNames = ['account_limits'] as const;
export type ReportName = (typeof reportNames)[number];

export interface ReportSchedule {
  report: ReportName;
  enabled: boolean;
  /** Local time of day the file is written, HH:MM in `timeZone` */
  runsAt: string;
  timeZone: string;
  version: number;
}

const two = (n: number) => String(n).padStart(2, '0');
const RUNS_AT = `${two(DAILY_SNAPSHOT_TIME.hour)}:${two(DAILY_SNAPSHOT_TIME.minute)}`;

/** The event subject of a report's schedule (its files are `account-limits:<date>`). */
const SUBJECT_ID: Record<ReportName, string> = { account_limits: 'account-limits' };

interface ScheduleRow {
  accountLimitsReport: boolean;
  reportScheduleVersion: number;
  org: { timeZone: string };
}

const scheduleOf = (row: ScheduleRow): ReportSchedule => ({
  report: 'account_limits',
  enabled: row.accountLimitsReport,
  runsAt: RUNS_AT,
  timeZone: row.org.timeZone,
  version: row.reportScheduleVersion,
});

const select = {
  accountLimitsReport: true,
  reportScheduleVersion: true,
  org: { select: { timeZone: true } },
} as const;

export function createReportSchedules({ prisma }: { prisma: PrismaClient }) {
  async function get(tenant: Tenant, report: ReportName): Promise<ReportSchedule> {
    const row = await prisma.environment.findFirst({
      where: { id: tenant.environmentId, orgId: tenant.orgId },
      select,
    });
    if (!row) throw DomainFailure.notFound(`report schedule ${report}`);
    return scheduleOf(row);
  }

  return {
    get,

    /** The environment's report schedules, one per report. */
    async list(tenant: Tenant): Promise<ReportSchedule[]> {
      return Promise.all(reportNames.map((report) => get(tenant, report)));
    },

    /**
     * Turns `report` on or off if the schedule is still at `expectedVersion` (any without one):
     * under the environment's row lock, the new version and its event in one transaction. Asking
     * for what already is changes nothing, bumps nothing and records nothing.
     */
    async setEnabled(
      tenant: Tenant,
      report: ReportName,
      enabled: boolean,
      expectedVersion: number | undefined,
    ): Promise<ReportSchedule> {
      return inTransaction(prisma, async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Environment"
          WHERE id = ${tenant.environmentId}::uuid AND "orgId" = ${tenant.orgId}::uuid
          FOR UPDATE`;
        if (locked.length === 0) throw DomainFailure.notFound(`report schedule ${report}`);
        const current = await tx.environment.findUniqueOrThrow({
          where: { id: tenant.environmentId },
          select,
        });
        if (expectedVersion !== undefined && expectedVersion !== current.reportScheduleVersion) {
          throw new DomainFailure(
            'PRECONDITION_FAILED',
            `the report schedule changed since version ${expectedVersion}; it is now at version ${current.reportScheduleVersion}`,
            { currentVersion: current.reportScheduleVersion },
          );
        }
        if (current.accountLimitsReport === enabled) return scheduleOf(current);
        const version = current.reportScheduleVersion + 1;
        const changed = await tx.environment.update({
          where: { id: tenant.environmentId },
          data: { accountLimitsReport: enabled, reportScheduleVersion: version },
          select,
        });
        await recordEvent(tx, {
          type: 'report.schedule_changed',
          key: `report-schedule:${SUBJECT_ID[report]}:${tenant.environmentId}:v${version}`,
          ...tenant,
          subjectType: 'report',
          subjectId: SUBJECT_ID[report],
          payload: { environmentId: tenant.environmentId, report, enabled },
        });
        return scheduleOf(changed);
      });
    },
  };
}

export type ReportSchedules = ReturnType<typeof createReportSchedules>;
