import { DOCUMENT_NUMBER } from '../../common/customers.js';
import { applicationStatuses } from '../../machines/account-application.js';
import { accountStatuses } from '../../machines/account-status.js';
import { orgOnboardingStageNames } from '../../machines/org-onboarding.js';
import type { ApplicationProcesses } from '../../processes/applications.js';
import type { Services } from '../../services/index.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { keysetCursors, keysetPage, pageSchema, visibilityCursors } from '../pagination.js';
import { z } from '../zod.js';
import { accountSchema, accountView } from './accounts.js';
import { customerSchema, customerView } from './customer-schemas.js';
import { orgSchema, orgView } from './orgs.js';
import { examples } from '../openapi-examples.js';

// The lists of the API's top-level resources, one pagination style for all (server/pagination.ts):
// `?limit&after` with filters beside them, `{items, next}` back. Lists of org data show the
// caller's own environment only: the tenant comes from the key, never from the query.

const orgCursors = keysetCursors('orgs');
const accountCursors = keysetCursors('accounts');
const customerCursors = keysetCursors('customers');
const applicationCursors = visibilityCursors('account-applications');

const documentNumber = z
  .string()
  .trim()
  .regex(DOCUMENT_NUMBER, 'must be 3-32 letters, digits, dots, slashes or hyphens');

const orgListItem = orgSchema
  .extend({
    onboardingStages: z.array(z.enum(orgOnboardingStageNames)).openapi({
      description:
        'The stages its onboarding is at, as its run records them after every step: the overall stage and, while onboarding, each sub-process’s',
    }),
  })
  .openapi('OrgListItem', { example: examples.OrgListItem });

const applicationListItem = z
  .object({
    id: z.uuid(),
    status: z.enum(applicationStatuses),
    createdAt: z.iso.datetime(),
    closedAt: z.iso.datetime().nullable().openapi({ description: 'When its run ended' }),
    links: z.object({ self: z.string(), page: z.string() }),
  })
  .openapi('AccountApplicationListItem', { example: examples.AccountApplicationListItem });

export function registerListRoutes(
  api: Api,
  services: Services,
  applications: ApplicationProcesses,
): void {
  api.route({
    method: 'get',
    path: '/v1/orgs',
    operationId: 'listOrgs',
    summary:
      'Every org, oldest first, by status and by a stage its onboarding is at (e.g. certification.certifying)',
    tag: 'Orgs',
    access: 'operator',
    query: z.strictObject({
      status: z.enum(['ONBOARDING', 'ACTIVE']).optional(),
      onboardingStage: z.enum(orgOnboardingStageNames).optional().openapi({
        description:
          'An overall stage (onboarding, activating, live) or a sub-process’s, such as serviceDesk.awaitingAccess',
      }),
      ...orgCursors.query,
    }),
    responses: { 200: { description: 'A page of orgs', schema: pageSchema(orgListItem) } },
    handler: async ({ query }) => {
      const page = await services.orgs.list(
        { status: query.status, onboardingStage: query.onboardingStage },
        { limit: query.limit, after: orgCursors.read(query.after) },
      );
      return {
        status: 200,
        body: keysetPage(page, orgCursors, (org) => ({
          ...orgView(org),
          onboardingStages: org.onboardingStages,
        })),
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts',
    operationId: 'listAccounts',
    summary:
      "This environment's accounts, oldest first, by status, program, parent or a customer's document number",
    tag: 'Accounts',
    access: 'org',
    query: z.strictObject({
      status: z.enum(accountStatuses).optional(),
      programId: z.uuid().optional(),
      parentAccountId: z.uuid().optional(),
      customerDocument: documentNumber.optional().openapi({
        description: 'The document number of its holder or of one of its additional customers',
      }),
      ...accountCursors.query,
    }),
    responses: { 200: { description: 'A page of accounts', schema: pageSchema(accountSchema) } },
    handler: async ({ query, caller }) => {
      const { limit, after, ...filter } = query;
      const page = await services.accounts.list(tenantOf(caller), filter, {
        limit,
        after: accountCursors.read(after),
      });
      return { status: 200, body: keysetPage(page, accountCursors, accountView) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/customers',
    operationId: 'listCustomers',
    summary: "This environment's customers, oldest first, or the one with a document number",
    tag: 'Customers',
    access: 'org',
    query: z.strictObject({ documentNumber: documentNumber.optional(), ...customerCursors.query }),
    responses: {
      200: { description: 'A page of customers', schema: pageSchema(customerSchema) },
    },
    handler: async ({ query, caller }) => {
      const page = await services.customers.list(
        tenantOf(caller),
        { documentNumber: query.documentNumber },
        { limit: query.limit, after: customerCursors.read(query.after) },
      );
      return { status: 200, body: keysetPage(page, customerCursors, customerView) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/account-applications',
    operationId: 'listApplications',
    summary:
      "This environment's account applications, newest first (Temporal's visibility), by status",
    tag: 'Account applications',
    access: 'org',
    query: z.strictObject({
      status: z.enum(applicationStatuses).optional(),
      ...applicationCursors.query,
    }),
    responses: {
      200: {
        description:
          'A page of applications (GET each for its data); a just-created one shows within a moment',
        schema: pageSchema(applicationListItem),
      },
    },
    handler: async ({ query, caller }) => {
      const page = await applications.list(
        tenantOf(caller),
        { status: query.status },
        { limit: query.limit, after: applicationCursors.read(query.after) },
      );
      return {
        status: 200,
        body: {
          items: page.items.map((item) => ({
            id: item.applicationId,
            status: item.status,
            createdAt: item.createdAt.toISOString(),
            closedAt: item.closedAt?.toISOString() ?? null,
            links: {
              self: `/v1/account-applications/${item.applicationId}`,
              page: `/ui/workflows/account-application-${item.applicationId}`,
            },
          })),
          next: page.next ? applicationCursors.write(page.next) : null,
        },
      };
    },
  });
}
