import type { Program } from '../../generated/prisma/client.js';
import { MAX_CREDIT_LIMIT, minorUnits } from '../../machines/balance-limits.js';
import { programTermsRefusals, programTypes } from '../../machines/account-terms.js';
import { cardNetworks } from '../../machines/network-certification.js';
import type { ProgramService } from '../../services/programs.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { text, z } from '../zod.js';
import { currencyCode } from './currency.js';

const createProgramBody = z
  .strictObject({
    name: text(100),
    type: z.enum(programTypes),
    cardNetwork: z.enum(cardNetworks),
    currency: currencyCode,
    dueDays: z
      .array(z.number().int().min(1).max(28))
      .min(1)
      .max(28)
      .refine((days) => new Set(days).size === days.length, {
        message: 'must not repeat a day',
        params: { rule: 'unique' },
      })
      .optional()
      .openapi({
        description: 'Credit programs only: the days of the month (1-28) offered as due dates',
      }),
    defaultCreditLimit: z.number().int().min(0).max(Number(MAX_CREDIT_LIMIT)).optional().openapi({
      description: 'Credit programs only: the credit limit of new accounts, in minor units',
    }),
    dueDayChangeLimit: z.number().int().min(1).max(28).optional().openapi({
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
  .openapi('CreateProgram');

const programSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(programTypes),
    cardNetwork: z.enum(cardNetworks),
    currency: z.string(),
    dueDays: z.array(z.number().int()),
    defaultCreditLimit: z.number().int(),
    dueDayChangeLimit: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Program');

export function registerProgramRoutes(api: Api, programs: ProgramService): void {
  api.route({
    method: 'post',
    path: '/v1/programs',
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
          dueDayChangeLimit: body.dueDayChangeLimit ?? 1,
        },
        ids,
      );
      return {
        status: 201,
        headers: { Location: `/v1/programs/${program.id}` },
        body: programView(program),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/programs',
    summary: "This environment's programs",
    tag: 'Programs',
    access: 'org',
    responses: {
      200: { description: 'Programs', schema: z.object({ items: z.array(programSchema) }) },
    },
    handler: async ({ caller }) => ({
      status: 200,
      body: { items: (await programs.list(tenantOf(caller))).map(programView) },
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/programs/:programId',
    summary: 'A program',
    tag: 'Programs',
    access: 'org',
    params: z.strictObject({ programId: z.uuid({ message: 'must be a UUID' }) }),
    responses: {
      200: { description: 'The program', schema: programSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: programView(await programs.get(tenantOf(caller), params.programId)),
    }),
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
    dueDayChangeLimit: program.dueDayChangeLimit,
    createdAt: program.createdAt.toISOString(),
  };
}
