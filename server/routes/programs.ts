import type { Program } from '../../generated/prisma/client.js';
import type { ProgramService } from '../../services/programs.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { z } from '../zod.js';

const currencies = new Set(Intl.supportedValuesOf('currency'));

const createProgramBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    type: z.enum(['CREDIT', 'DEBIT', 'PREPAID']),
    cardNetwork: z.enum(['VISA', 'MASTERCARD']),
    currency: z
      .string()
      .refine((code) => /^[A-Z]{3}$/.test(code) && currencies.has(code), {
        message: 'must be an ISO 4217 currency code such as BRL',
        params: { rule: 'invalid_currency' },
      }),
  })
  .openapi('CreateProgram');

const programSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(['CREDIT', 'DEBIT', 'PREPAID']),
    cardNetwork: z.enum(['VISA', 'MASTERCARD']),
    currency: z.string(),
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
    handler: async ({ body, caller }) => {
      const program = await programs.create(tenantOf(caller), body);
      return { status: 201, headers: { Location: `/v1/programs/${program.id}` }, body: programView(program) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/programs',
    summary: "This environment's programs",
    tag: 'Programs',
    access: 'org',
    responses: { 200: { description: 'Programs', schema: z.object({ items: z.array(programSchema) }) } },
    handler: async ({ caller }) => ({ status: 200, body: { items: (await programs.list(tenantOf(caller))).map(programView) } }),
  });

  api.route({
    method: 'get',
    path: '/v1/programs/:programId',
    summary: 'A program',
    tag: 'Programs',
    access: 'org',
    params: z.strictObject({ programId: z.uuid({ message: 'must be a UUID' }) }),
    responses: { 200: { description: 'The program', schema: programSchema }, 404: { description: 'Not found', schema: problemSchema } },
    handler: async ({ params, caller }) => ({ status: 200, body: programView(await programs.get(tenantOf(caller), params.programId)) }),
  });
}

function programView(program: Program) {
  return {
    id: program.id,
    name: program.name,
    type: program.type,
    cardNetwork: program.cardNetwork,
    currency: program.currency,
    createdAt: program.createdAt.toISOString(),
  };
}
