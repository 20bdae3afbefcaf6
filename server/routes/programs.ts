import type { Program } from '../../generated/prisma/client.js';
import { MAX_CREDIT_LIMIT, minorUnits } from '../../machines/balance-limits.js';
import {
  programIdentityFields,
  programTermsRefusals,
  programTypes,
} from '../../machines/account-terms.js';
import { cardNetworks } from '../../machines/network-certification.js';
import type { ProgramService } from '../../services/programs.js';
import { problemSchema, type Api } from '../api.js';
import { actorOf, tenantOf } from '../auth.js';
import { etagOf, ifMatch, ifMatchHeader } from '../etag.js';
import { patchBody, text, z } from '../zod.js';
import { currencyCode } from './currency.js';
import { keysetCursors, keysetPage, pageSchema } from '../pagination.js';

const programCursors = keysetCursors('programs');
import { historyQuery } from './accounts.js';
import { examples } from '../openapi-examples.js';

const dueDays = z
  .array(z.number().int().min(1).max(28))
  .min(1)
  .max(28)
  .refine((days) => new Set(days).size === days.length, {
    message: 'must not repeat a day',
    params: { rule: 'unique' },
  });
const creditLimit = z.number().int().min(0).max(Number(MAX_CREDIT_LIMIT));
const dueDayChangeLimit = z.number().int().min(1).max(28);

const createProgramBody = z
  .strictObject({
    name: text(100),
    type: z.enum(programTypes),
    cardNetwork: z.enum(cardNetworks),
    currency: currencyCode,
    dueDays: dueDays.optional().openapi({
      description: 'Credit programs only: the days of the month (1-28) offered as due dates',
    }),
    defaultCreditLimit: creditLimit.optional().openapi({
      description: 'Credit programs only: the credit limit of new accounts, in minor units',
    }),
    maxCreditLimit: creditLimit.optional().openapi({
      description:
        'Credit programs only: the highest credit limit an account of the program may have, in minor units (at least the default); none when left out',
    }),
    dueDayChangeLimit: dueDayChangeLimit.optional().openapi({
      description:
        'Credit programs only: due day changes an account may make per credit cycle (default 1)',
    }),
  })
  .superRefine((program, ctx) => {
    for (const issue of programTermsRefusals(program)) {
      ctx.addIssue({
        code: 'custom',
        path: [issue.field],
        message: issue.message,
        params: { rule: issue.rule },
      });
    }
  })
  .openapi('CreateProgram', { example: examples.CreateProgram });

const programSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(programTypes),
    cardNetwork: z.enum(cardNetworks),
    currency: z.string(),
    dueDays: z.array(z.number().int()),
    defaultCreditLimit: z.number().int(),
    maxCreditLimit: z.number().int().nullable(),
    dueDayChangeLimit: z.number().int(),
    version: z
      .number()
      .int()
      .openapi({ description: 'Also sent as the ETag header; send it back in If-Match' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('Program', { example: examples.Program });

/** A field that is what the program is: naming it in a change is refused. */
const immutable = z
  .unknown()
  .optional()
  .superRefine((value, ctx) => {
    if (value !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'never changes: create another program and migrate the accounts to it',
        params: { rule: 'immutable' },
      });
    }
  })
  .openapi({ readOnly: true, description: 'Never changes; sending it is refused (immutable)' });

const updateProgramBody = patchBody({
  name: text(100).optional(),
  dueDays: dueDays.optional().openapi({
    description:
      'Credit programs only: all the days (1-28) the program offers from now on; a day some account is still on may not go (409 due_day_in_use)',
  }),
  dueDayChangeLimit: dueDayChangeLimit.optional().openapi({
    description: 'Credit programs only: due day changes an account may make per credit cycle',
  }),
  defaultCreditLimit: creditLimit.optional().openapi({
    description:
      'Credit programs only: the credit limit of accounts opened from now on (existing accounts keep theirs)',
  }),
  maxCreditLimit: creditLimit.nullable().optional().openapi({
    description:
      "Credit programs only: the highest credit limit an account may have, null for none; not below an account's current limit (409 credit_limit_in_use)",
  }),
  ...Object.fromEntries(programIdentityFields.map((field) => [field, immutable])),
}).openapi('UpdateProgram', { example: examples.UpdateProgram });

const programParams = z.strictObject({ programId: z.uuid({ message: 'must be a UUID' }) });

const programChangeSchema = z
  .object({
    id: z.string(),
    version: z.number().int().openapi({ description: 'The program version this change produced' }),
    before: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The changed fields as they were' }),
    after: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The changed fields as they became' }),
    by: z.string(),
    at: z.iso.datetime(),
    requestId: z.string().nullable(),
  })
  .openapi('ProgramChange', { example: examples.ProgramChange });

export function registerProgramRoutes(api: Api, programs: ProgramService): void {
  api.route({
    method: 'post',
    path: '/v1/programs',
    operationId: 'createProgram',
    summary: 'Create a card program (product) in this environment',
    tag: 'Programs',
    access: 'org',
    body: createProgramBody,
    idempotent: true,
    responses: {
      201: { description: 'The program', schema: programSchema },
      409: { description: 'A program with this name exists', schema: problemSchema },
    },
    handler: async ({ body, caller, ids }) => {
      const program = await programs.create(
        tenantOf(caller),
        {
          name: body.name,
          type: body.type,
          cardNetwork: body.cardNetwork,
          currency: body.currency,
          dueDays: [...(body.dueDays ?? [])].sort((a, b) => a - b),
          defaultCreditLimit: BigInt(body.defaultCreditLimit ?? 0),
          maxCreditLimit: body.maxCreditLimit === undefined ? null : BigInt(body.maxCreditLimit),
          dueDayChangeLimit: body.dueDayChangeLimit ?? 1,
        },
        ids,
      );
      return {
        status: 201,
        headers: { Location: `/v1/programs/${program.id}`, ETag: etagOf(program.version) },
        body: programView(program),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/programs',
    operationId: 'listPrograms',
    summary: "This environment's programs",
    tag: 'Programs',
    access: 'org',
    query: z.strictObject({ ...programCursors.query }),
    responses: {
      200: { description: 'A page of programs, oldest first', schema: pageSchema(programSchema) },
    },
    handler: async ({ query, caller }) => ({
      status: 200,
      body: keysetPage(
        await programs.list(tenantOf(caller), {
          limit: query.limit,
          after: programCursors.read(query.after),
        }),
        programCursors,
        programView,
      ),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/programs/:programId',
    operationId: 'getProgram',
    summary: 'A program',
    tag: 'Programs',
    access: 'org',
    params: programParams,
    responses: {
      200: { description: 'The program', schema: programSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const program = await programs.get(tenantOf(caller), params.programId);
      return {
        status: 200,
        headers: { ETag: etagOf(program.version) },
        body: programView(program),
      };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/programs/:programId',
    operationId: 'updateProgram',
    summary:
      'Change what may change of a program (name, due days, due day change limit, credit limits); type, currency and card network never change',
    tag: 'Programs',
    access: 'org',
    params: programParams,
    headers: ifMatchHeader,
    body: updateProgramBody,
    responses: {
      200: { description: 'The program after the change', schema: programSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: {
        description:
          'Accounts still use what the change takes away (due_day_in_use with dueDaysInUse, credit_limit_in_use with creditLimitsAboveMaximum), or the name is taken',
        schema: problemSchema,
      },
    },
    handler: async ({ header, params, body, caller, requestId }) => {
      const program = await programs.change(
        tenantOf(caller),
        params.programId,
        {
          name: body.name,
          dueDays: body.dueDays,
          dueDayChangeLimit: body.dueDayChangeLimit,
          defaultCreditLimit:
            body.defaultCreditLimit === undefined ? undefined : BigInt(body.defaultCreditLimit),
          maxCreditLimit:
            body.maxCreditLimit === undefined || body.maxCreditLimit === null
              ? body.maxCreditLimit
              : BigInt(body.maxCreditLimit),
        },
        ifMatch(header('if-match')),
        actorOf(caller, requestId),
      );
      return {
        status: 200,
        headers: { ETag: etagOf(program.version) },
        body: programView(program),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/programs/:programId/changes',
    operationId: 'listProgramChanges',
    summary:
      "Every change of the program's terms, oldest first: the fields before and after, who, when",
    tag: 'Programs',
    access: 'org',
    params: programParams,
    query: historyQuery,
    responses: {
      200: {
        description: 'A page of changes',
        schema: pageSchema(programChangeSchema),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => {
      const rows = await programs.changes(tenantOf(caller), params.programId, {
        limit: query.limit,
        after: query.after === undefined ? undefined : BigInt(query.after),
      });
      const items = rows.map((row) => ({
        id: row.id.toString(),
        version: row.programVersion,
        before: row.before as Record<string, unknown>,
        after: row.after as Record<string, unknown>,
        by: row.actor,
        at: row.createdAt.toISOString(),
        requestId: row.requestId,
      }));
      return {
        status: 200,
        body: { items, next: items.length === query.limit ? (items.at(-1)?.id ?? null) : null },
      };
    },
  });
}

function programView(program: Program) {
  return {
    id: program.id,
    name: program.name,
    type: program.type,
    cardNetwork: program.cardNetwork,
    currency: program.currency,
    dueDays: program.dueDays,
    defaultCreditLimit: minorUnits(program.defaultCreditLimit),
    maxCreditLimit: program.maxCreditLimit === null ? null : minorUnits(program.maxCreditLimit),
    dueDayChangeLimit: program.dueDayChangeLimit,
    version: program.version,
    createdAt: program.createdAt.toISOString(),
  };
}
