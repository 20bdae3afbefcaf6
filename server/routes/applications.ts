import {
  applicationStatuses,
  mergeChanges,
  missingForSubmit,
} from '../../machines/account-application.js';
import type { ApplicationProcesses } from '../../processes/applications.js';
import type { AccountApplicationView } from '../../workflows/account-application.js';
import { problemSchema, type Api } from '../api.js';
import { actorOf, tenantOf } from '../auth.js';
import { patchBody, z } from '../zod.js';
import { customerInputSchema } from './customer-schemas.js';
import { examples } from '../openapi-examples.js';

const changesShape = {
  programId: z.uuid().optional(),
  parentAccountId: z
    .uuid()
    .optional()
    .openapi({ description: 'A parent account of the same org (related accounts)' }),
  applicant: customerInputSchema
    .optional()
    .openapi({ description: 'The future holder: a person or a company, never both' }),
  additionalCustomers: z
    .array(customerInputSchema)
    .max(10)
    .optional()
    .openapi({ description: 'Appended to those already given' }),
};
const createBody = z
  .strictObject({
    ...changesShape,
    submit: z.boolean().default(false).openapi({ description: 'Create and submit at once' }),
  })
  .superRefine((body, ctx) => {
    if (!body.submit) return;
    for (const field of missingForSubmit(mergeChanges({ additionalCustomers: [] }, body))) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: 'is required to submit',
        params: { rule: 'required' },
      });
    }
  })
  .openapi('CreateAccountApplication', { example: examples.CreateAccountApplication });
const updateBody = patchBody(changesShape).openapi('UpdateAccountApplication', {
  example: examples.UpdateAccountApplication,
  description:
    'Fields left out are unchanged; addresses, contacts and additional customers are appended',
});
const params = z.strictObject({ applicationId: z.uuid({ message: 'must be a UUID' }) });

const applicationSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(applicationStatuses),
    programId: z.uuid().nullable(),
    parentAccountId: z.uuid().nullable(),
    applicant: z.union([customerInputSchema, z.null()]),
    additionalCustomers: z.array(customerInputSchema),
    accountId: z.uuid().nullable(),
    rejectionReasons: z.array(z.string()),
    expiresAt: z.iso.datetime().nullable(),
    history: z.array(z.object({ event: z.string(), at: z.iso.datetime(), by: z.string() })),
    links: z.object({ page: z.string() }),
  })
  .openapi('AccountApplication', { example: examples.AccountApplication });

const notAllowed = {
  description: 'Not allowed in the application status (e.g. updating a submitted one)',
  schema: problemSchema,
};

function view(application: AccountApplicationView) {
  return {
    id: application.applicationId,
    status: application.status,
    programId: application.data.programId ?? null,
    parentAccountId: application.data.parentAccountId ?? null,
    applicant: application.data.applicant ?? null,
    additionalCustomers: application.data.additionalCustomers,
    accountId: application.accountId,
    rejectionReasons: application.rejectionReasons,
    expiresAt: application.expiresAt,
    history: application.history,
    links: { page: `/ui/workflows/account-application-${application.applicationId}` },
  };
}

export function registerApplicationRoutes(api: Api, applications: ApplicationProcesses): void {
  api.route({
    method: 'post',
    path: '/v1/account-applications',
    operationId: 'createApplication',
    summary: 'Create an account application as a work-in-progress draft, or create and submit it',
    tag: 'Account applications',
    access: 'org',
    body: createBody,
    idempotent: true,
    responses: { 201: { description: 'The application', schema: applicationSchema } },
    handler: async ({ body, caller, requestId, ids }) => {
      const { submit, ...changes } = body;
      const created = await applications.create(
        tenantOf(caller),
        changes,
        submit,
        actorOf(caller, requestId),
        ids,
      );
      return {
        status: 201,
        headers: { Location: `/v1/account-applications/${created.applicationId}` },
        body: view(created),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/account-applications/:applicationId',
    operationId: 'getApplication',
    summary: 'An application: its status and, once created, its account',
    tag: 'Account applications',
    access: 'org',
    params,
    responses: {
      200: { description: 'The application', schema: applicationSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params: p, caller }) => ({
      status: 200,
      body: view(await applications.get(tenantOf(caller), p.applicationId)),
    }),
  });

  api.route({
    method: 'patch',
    path: '/v1/account-applications/:applicationId',
    operationId: 'updateApplication',
    summary: 'Update a draft application',
    tag: 'Account applications',
    access: 'org',
    params,
    body: updateBody,
    idempotent: true,
    responses: {
      200: { description: 'The application', schema: applicationSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: notAllowed,
    },
    handler: async ({ params: p, body, caller, requestId, ids }) => ({
      status: 200,
      body: view(
        await applications.update(
          tenantOf(caller),
          p.applicationId,
          body,
          actorOf(caller, requestId),
          ids,
        ),
      ),
    }),
  });

  for (const action of ['submit', 'cancel'] as const) {
    api.route({
      method: 'post',
      path: `/v1/account-applications/:applicationId/${action}`,
      operationId: `${action}Application`,
      summary:
        action === 'submit'
          ? 'Submit a draft: it is locked and processed into the account'
          : 'Cancel a draft for good',
      tag: 'Account applications',
      access: 'org',
      params,
      idempotent: true,
      responses: {
        200: { description: 'The application', schema: applicationSchema },
        404: { description: 'Not found', schema: problemSchema },
        409: notAllowed,
      },
      handler: async ({ params: p, caller, requestId, ids }) => ({
        status: 200,
        body: view(
          await applications[action](
            tenantOf(caller),
            p.applicationId,
            actorOf(caller, requestId),
            ids,
          ),
        ),
      }),
    });
  }
}
