import type { AccountStatusReason } from '../../generated/prisma/client.js';
import { accountStatuses } from '../../machines/account-status.js';
import type { StatusReasonService } from '../../services/status-reasons.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { prose, z } from '../zod.js';
import { keysetCursors, keysetPage, pageSchema } from '../pagination.js';
import { examples } from '../openapi-examples.js';

const reasonCursors = keysetCursors('account-status-reasons');

const createReasonBody = z
  .strictObject({
    code: z
      .string()
      .regex(
        /^[A-Z][A-Z0-9_]{1,49}$/,
        'must be 2-50 upper-case letters, digits or underscores, such as COURT_ORDER',
      ),
    description: prose(500),
    appliesTo: z
      .array(z.enum(accountStatuses))
      .max(accountStatuses.length)
      .optional()
      .openapi({ description: 'Target statuses this reason may be given for; all when left out' }),
  })
  .openapi('CreateAccountStatusReason', { example: examples.CreateAccountStatusReason });

const reasonSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    description: z.string(),
    appliesTo: z.array(z.enum(accountStatuses)),
    createdAt: z.iso.datetime(),
  })
  .openapi('AccountStatusReason', { example: examples.AccountStatusReason });

export function registerStatusReasonRoutes(api: Api, reasons: StatusReasonService): void {
  api.route({
    method: 'post',
    path: '/v1/account-status-reasons',
    operationId: 'createStatusReason',
    summary:
      'Create a reason for account status changes (e.g. court order, fraud attempt); returns its id',
    tag: 'Account status reasons',
    access: 'org',
    body: createReasonBody,
    idempotent: true,
    responses: {
      201: { description: 'The reason', schema: reasonSchema },
      409: { description: 'A reason with this code exists', schema: problemSchema },
    },
    handler: async ({ body, caller, ids }) => {
      const reason = await reasons.create(
        tenantOf(caller),
        {
          code: body.code,
          description: body.description,
          appliesTo: [...new Set(body.appliesTo ?? [])],
        },
        ids,
      );
      return {
        status: 201,
        headers: { Location: `/v1/account-status-reasons/${reason.id}` },
        body: reasonView(reason),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/account-status-reasons',
    operationId: 'listStatusReasons',
    summary: "This environment's status reasons",
    tag: 'Account status reasons',
    access: 'org',
    query: z.strictObject({ ...reasonCursors.query }),
    responses: {
      200: { description: 'A page of reasons, oldest first', schema: pageSchema(reasonSchema) },
    },
    handler: async ({ query, caller }) => ({
      status: 200,
      body: keysetPage(
        await reasons.page(tenantOf(caller), {
          limit: query.limit,
          after: reasonCursors.read(query.after),
        }),
        reasonCursors,
        reasonView,
      ),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/account-status-reasons/:reasonId',
    operationId: 'getStatusReason',
    summary: 'A status reason',
    tag: 'Account status reasons',
    access: 'org',
    params: z.strictObject({ reasonId: z.uuid({ message: 'must be a UUID' }) }),
    responses: {
      200: { description: 'The reason', schema: reasonSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: reasonView(await reasons.get(tenantOf(caller), params.reasonId)),
    }),
  });
}

function reasonView(reason: AccountStatusReason) {
  return {
    id: reason.id,
    code: reason.code,
    description: reason.description,
    appliesTo: reason.appliesTo,
    createdAt: reason.createdAt.toISOString(),
  };
}
