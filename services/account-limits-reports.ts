import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import { recordEvent } from './events.js';
import type { Sql } from './sql.js';
import type { Tenant } from './tenant.js';

// The account limits report: one CSV per org environment and local date, made from that day's
// snapshot rows in account id order, so a re-run writes the same bytes. Files live under
// <reportsDir>/<orgId>/<environmentId>/, one directory per environment so test data and
// production data never share a listing.

export const ACCOUNT_LIMITS_CSV_HEADER =
  'date,account_id,program_id,currency,balance,credit_limit,available_credit_limit,available_to_spend';

/** Snapshot rows read per statement while a report file is written */
const REPORT_BATCH_ROWS = 5000;
/** Below every account id: where the first batch starts */
const BEFORE_FIRST_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/**
 * One batch of the report's lines after an account id, in account id order: one range of the
 * index (environmentId, orgId, date, accountId). PostgreSQL writes each line (its text forms of
 * uuid and int8 are the CSV's) so the rows are not turned into objects only to be joined again.
 */
const REPORT_BATCH_SQL = `SELECT "accountId", concat_ws(',', $3::text, "accountId", "programId", currency, balance,
    "creditLimit", "availableCreditLimit", "availableToSpend") AS line
  FROM "AccountDailyBalance"
  WHERE "environmentId" = $1::uuid AND "orgId" = $2::uuid AND date = $3::date AND "accountId" > $4::uuid
  ORDER BY "accountId"
  LIMIT ${REPORT_BATCH_ROWS}`;

const FILE_NAME = /^account-limits-(\d{4}-\d{2}-\d{2})\.csv$/;
const fileName = (date: string) => `account-limits-${date}.csv`;

export interface ReportFile {
  date: string;
  fileName: string;
}

export function createAccountLimitsReports({
  prisma,
  sql,
  reportsDir,
}: {
  prisma: PrismaClient;
  sql: Sql;
  reportsDir: string;
}) {
  const directoryOf = (tenant: Tenant) => path.join(reportsDir, tenant.orgId, tenant.environmentId);

  return {
    /**
     * Writes the report for `date` of every environment the org had at `asOf` (the run's scheduled
     * time), so a re-run writes the same files even after onboarding adds an environment. Only
     * environments whose report schedule is on now, when this runs: the schedule has no history,
     * so a run (or a retry, or a backfill of an earlier day) follows the issuer's current choice.
     * The day's snapshot rows are recorded either way (the balances API reads them).
     */
    async write(orgId: string, date: string, asOf: Date): Promise<string[]> {
      const environments = await prisma.environment.findMany({
        where: { orgId, createdAt: { lte: asOf }, accountLimitsReport: true },
        select: { id: true },
        orderBy: { id: 'asc' },
      });
      const written: string[] = [];
      for (const { id: environmentId } of environments) {
        const directory = directoryOf({ orgId, environmentId });
        await mkdir(directory, { recursive: true });
        const target = path.join(directory, fileName(date));
        // Readers see the old file or the new one, never half of one.
        const temporary = `${target}.${process.pid}.tmp`;
        // Streamed a batch at a time in account id order: memory stays flat however many accounts
        // the environment has (a day's snapshot rows never change once written).
        const file = await open(temporary, 'w');
        try {
          await file.write(`${ACCOUNT_LIMITS_CSV_HEADER}\n`);
          for (let after = BEFORE_FIRST_ACCOUNT; ;) {
            const rows = await sql.query<{ accountId: string; line: string }>(
              'account-limits-report-batch',
              { text: REPORT_BATCH_SQL, values: [environmentId, orgId, date, after] },
            );
            if (rows.length > 0) await file.write(rows.map((r) => `${r.line}\n`).join(''));
            if (rows.length < REPORT_BATCH_ROWS) break;
            after = rows.at(-1)!.accountId;
          }
        } finally {
          await file.close();
        }
        await rename(temporary, target);
        // Once the file is in place; once per environment and date however often it is rewritten
        await recordEvent(prisma, {
          type: 'report.account_limits_ready',
          key: `report:account-limits:${environmentId}:${date}`,
          orgId,
          environmentId,
          subjectType: 'report',
          subjectId: `account-limits:${date}`,
          payload: { orgId, environmentId, date, fileName: fileName(date) },
        });
        written.push(target);
      }
      return written;
    },

    /** The environment's report files, newest first. */
    async list(tenant: Tenant): Promise<ReportFile[]> {
      const names = await readdir(directoryOf(tenant)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      return names
        .flatMap((name) => {
          const date = FILE_NAME.exec(name)?.[1];
          return date ? [{ date, fileName: name }] : [];
        })
        .sort((a, b) => (a.date < b.date ? 1 : -1));
    },

    async read(tenant: Tenant, date: string): Promise<{ fileName: string; content: Buffer }> {
      try {
        return {
          fileName: fileName(date),
          content: await readFile(path.join(directoryOf(tenant), fileName(date))),
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw DomainFailure.notFound(`account limits report of ${date}`);
        throw error;
      }
    },
  };
}

export type AccountLimitsReports = ReturnType<typeof createAccountLimitsReports>;
