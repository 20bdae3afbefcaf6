import { reportNames, type ReportSchedules } from '../../services/report-schedules.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { etagOf, ifMatch, ifMatchHeader } from '../etag.js';
import { examples } from '../openapi-examples.js';
import { pageSchema } from '../pagination.js';
import { z } from '../zod.js';

const reportScheduleSchema = z
  .object({
    report: z.enum(reportNames),
    enabled: z.boolean().openapi({ description: 'Whether the report file is written' }),
    runsAt: z.string().openapi({
      description: 'Local time of day (HH:MM, in timeZone) after which each day’s file is written',
    }),
    timeZone: z.string().openapi({ description: "The org's IANA time zone" }),
    version: z.number().int().openapi({ description: 'Counts changes; the ETag is "v<version>"' }),
  })
  .openapi('ReportSchedule', { example: examples.ReportSchedule });

const reportParams = z.strictObject({ report: z.enum(reportNames) });

export function registerReportScheduleRoutes(api: Api, schedules: ReportSchedules): void {
  api.route({
    method: 'get',
    path: '/v1/report-schedules',
    operationId: 'listReportSchedules',
    summary:
      "This environment's report schedules: which report files are written, when, and whether they are on",
    tag: 'Reports',
    access: 'org',
    responses: {
      200: {
        description: 'Every report schedule (one page)',
        schema: pageSchema(reportScheduleSchema),
      },
    },
    handler: async ({ caller }) => ({
      status: 200,
      body: { items: await schedules.list(tenantOf(caller)), next: null },
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/report-schedules/:report',
    operationId: 'getReportSchedule',
    summary: "A report's schedule in this environment, with its ETag",
    tag: 'Reports',
    access: 'org',
    params: reportParams,
    responses: { 200: { description: 'The report schedule', schema: reportScheduleSchema } },
    handler: async ({ params, caller }) => {
      const schedule = await schedules.get(tenantOf(caller), params.report);
      return { status: 200, headers: { ETag: etagOf(schedule.version) }, body: schedule };
    },
  });

  api.route({
    method: 'put',
    path: '/v1/report-schedules/:report',
    operationId: 'updateReportSchedule',
    summary:
      'Turn a report on or off in this environment; each change records a report.schedule_changed event',
    tag: 'Reports',
    access: 'org',
    params: reportParams,
    headers: ifMatchHeader,
    body: z
      .strictObject({
        enabled: z.boolean().openapi({
          description: 'Write the report file each day (true) or not (false), from the next run',
        }),
      })
      .openapi('UpdateReportSchedule', { example: examples.UpdateReportSchedule }),
    responses: {
      200: {
        description: 'The report schedule after the change (unchanged when it already was so)',
        schema: reportScheduleSchema,
        example: examples.updateReportSchedule,
      },
    },
    handler: async ({ header, params, body, caller }) => {
      const schedule = await schedules.setEnabled(
        tenantOf(caller),
        params.report,
        body.enabled,
        ifMatch(header('if-match')),
      );
      return { status: 200, headers: { ETag: etagOf(schedule.version) }, body: schedule };
    },
  });
}
