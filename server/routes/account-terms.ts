import type { ProgramMigrations } from '../../processes/program-migrations.js';
import type { Services } from '../../services/index.js';
import { etagOf, ifMatch, ifMatchHeader } from '../etag.js';
import { problemSchema, type Api } from '../api.js';
import { actorOf, tenantOf } from '../auth.js';
import { z } from '../zod.js';
import { accountSchema, accountView, historyQuery, idParams } from './accounts.js';
import { examples } from '../openapi-examples.js';
import { pageSchema } from '../pagination.js';

const eventSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['PROGRAM_MIGRATION', 'DUE_DAY_CHANGE']),
    details: z.record(z.string(), z.unknown()).openapi({
      description: '{fromProgramId, toProgramId} or {fromDueDay, toDueDay, cycleClosesOn}',
    }),
    by: z.string(),
    at: z.iso.datetime(),
    requestId: z.string().nullable(),
    version: z.number().int(),
  })
  .openapi('AccountEvent', { example: examples.AccountEvent });

export function registerAccountTermsRoutes(
  api: Api,
  services: Services,
  migrations: ProgramMigrations,
): void {
  const { accounts, accountTerms: terms } = services;

  api.route({
    method: 'post',
    path: '/v1/accounts/:accountId/program-migrations',
    operationId: 'migrateAccountProgram',
    summary:
      'Move the account to another program of the same type, currency and card network (credit: its due day must be offered there)',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    headers: ifMatchHeader,
    body: z
      .strictObject({ targetProgramId: z.uuid() })
      .openapi('ProgramMigration', { example: examples.ProgramMigration }),
    idempotent: true,
    responses: {
      200: {
        example: examples.migrateAccountProgram,
        description:
          'The migration and the account after it (changed false when it already was in that program)',
        schema: z.object({
          migration: z.object({
            changed: z.boolean(),
            fromProgramId: z.uuid(),
            toProgramId: z.uuid(),
          }),
          account: accountSchema,
        }),
      },
      404: { description: 'Not found', schema: problemSchema },
      409: {
        description:
          "The target program does not offer the account's due day (dueDayOptions lists those it does), or the account is CANCELLED",
        schema: problemSchema,
      },
    },
    handler: async ({ header, params, body, caller, requestId, ids }) => {
      const tenant = tenantOf(caller);
      await accounts.get(tenant, params.accountId);
      const { changed, fromProgramId, toProgramId } = await migrations.migrate(
        tenant,
        params.accountId,
        body.targetProgramId,
        ifMatch(header('if-match')),
        actorOf(caller, requestId),
        ids,
      );
      const account = await accounts.get(tenant, params.accountId);
      return {
        status: 200,
        headers: { ETag: etagOf(account.version) },
        body: { migration: { changed, fromProgramId, toProgramId }, account: accountView(account) },
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/accounts/:accountId/due-date',
    operationId: 'changeAccountDueDate',
    summary:
      "Move a credit account's due day later, to a day its program offers; once per credit cycle unless the program allows more",
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    headers: ifMatchHeader,
    body: z
      .strictObject({ dueDay: z.number().int().min(1).max(28) })
      .openapi('DueDateChange', { example: examples.DueDateChange }),
    responses: {
      200: { description: 'The account after the change', schema: accountSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: {
        description:
          'Too close to the cycle closing, or already changed as often as the program allows this cycle',
        schema: problemSchema,
      },
    },
    handler: async ({ header, params, body, caller, requestId }) => {
      const tenant = tenantOf(caller);
      await terms.changeDueDay(
        tenant,
        params.accountId,
        body.dueDay,
        ifMatch(header('if-match')),
        actorOf(caller, requestId),
        new Date(),
      );
      const account = await accounts.get(tenant, params.accountId);
      return {
        status: 200,
        headers: { ETag: etagOf(account.version) },
        body: accountView(account),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId/events',
    operationId: 'listAccountEvents',
    summary: "The account's program migrations and due day changes, oldest first: what, who, when",
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    query: historyQuery,
    responses: {
      200: {
        description: 'A page of events',
        schema: pageSchema(eventSchema),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => {
      const rows = await services.accountHistory.events(tenantOf(caller), params.accountId, {
        limit: query.limit,
        after: query.after === undefined ? undefined : BigInt(query.after),
      });
      const items = rows.map((row) => ({
        id: row.id.toString(),
        kind: row.kind,
        details: row.details as Record<string, unknown>,
        by: row.actor,
        at: row.createdAt.toISOString(),
        requestId: row.requestId,
        version: row.accountVersion,
      }));
      return {
        status: 200,
        body: { items, next: items.length === query.limit ? (items.at(-1)?.id ?? null) : null },
      };
    },
  });
}
