import type { AccountLimitsReports } from '../../services/account-limits-reports.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { z } from '../zod.js';
import { plainDate } from './plain-date.js';
import { examples } from '../openapi-examples.js';

const reportFileSchema = z
  .object({ date: z.iso.date(), fileName: z.string(), download: z.string() })
  .openapi('AccountLimitsReportFile', { example: examples.AccountLimitsReportFile });

export function registerReportRoutes(api: Api, reports: AccountLimitsReports): void {
  api.route({
    method: 'get',
    path: '/v1/reports/account-limits',
    operationId: 'listAccountLimitsReports',
    summary:
      "This environment's account limits report files, newest first: one per day, written after each daily snapshot",
    tag: 'Reports',
    access: 'org',
    responses: {
      200: {
        description: 'Report files',
        schema: z.object({ items: z.array(reportFileSchema) }),
        example: examples.listAccountLimitsReports,
      },
    },
    handler: async ({ caller }) => {
      const files = await reports.list(tenantOf(caller));
      return {
        status: 200,
        body: {
          items: files.map((f) => ({ ...f, download: `/v1/reports/account-limits/${f.date}` })),
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/reports/account-limits/:date',
    operationId: 'getAccountLimitsReport',
    summary: 'Download the account limits report (CSV) of a local date',
    tag: 'Reports',
    access: 'org',
    params: z.strictObject({ date: plainDate }),
    responses: {
      200: {
        example: examples.getAccountLimitsReport,
        description:
          'CSV: date,account_id,program_id,currency,balance,credit_limit,available_credit_limit,available_to_spend',
        schema: z.string(),
        contentType: 'text/csv',
      },
      404: { description: 'No report for that date', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const file = await reports.read(tenantOf(caller), params.date);
      return {
        status: 200,
        contentType: 'text/csv; charset=utf-8',
        headers: { 'Content-Disposition': `attachment; filename="${file.fileName}"` },
        body: file.content,
      };
    },
  });
}
