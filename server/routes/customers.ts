import type { CustomerService } from '../../services/customers.js';
import { problemSchema, type Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { z } from '../zod.js';
import { customerInputSchema, customerSchema, customerView } from './customer-schemas.js';
import { examples } from '../openapi-examples.js';

const accountParams = z.strictObject({ accountId: z.uuid({ message: 'must be a UUID' }) });
const customerParams = z.strictObject({ customerId: z.uuid({ message: 'must be a UUID' }) });

const addCustomerBody = z
  .strictObject({
    customerId: z.uuid().optional(),
    customer: customerInputSchema.optional(),
    role: z.enum(['HOLDER', 'ADDITIONAL']).default('ADDITIONAL'),
  })
  .refine((body) => (body.customerId === undefined) !== (body.customer === undefined), {
    message: 'give exactly one of customerId or customer',
    path: ['customer'],
    params: { rule: 'one_of' },
  })
  .openapi('AddAccountCustomer', { example: examples.AddAccountCustomer });

const accountCustomerSchema = z
  .object({ role: z.enum(['HOLDER', 'ADDITIONAL']), customer: customerSchema })
  .openapi('AccountCustomer', { example: examples.AccountCustomer });

export function registerCustomerRoutes(api: Api, customers: CustomerService): void {
  api.route({
    method: 'post',
    path: '/v1/accounts/:accountId/customers',
    operationId: 'addAccountCustomer',
    summary:
      'Add a customer to an account (joint account, additional cardholder): an existing one or a new person or company',
    tag: 'Customers',
    access: 'org',
    params: accountParams,
    body: addCustomerBody,
    idempotent: true,
    responses: {
      201: { description: 'The customer now on the account', schema: accountCustomerSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: {
        description: 'A second holder, or a customer already on the account',
        schema: problemSchema,
      },
    },
    handler: async ({ params, body, caller, ids }) => {
      const customer = await customers.addToAccount(tenantOf(caller), params.accountId, body, ids);
      return { status: 201, body: { role: 'ADDITIONAL', customer: customerView(customer) } };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId/customers',
    operationId: 'listAccountCustomers',
    summary: "An account's customers: its holder first, then additional customers",
    tag: 'Customers',
    access: 'org',
    params: accountParams,
    responses: {
      200: {
        example: examples.listAccountCustomers,
        description: 'Customers',
        schema: z.object({ items: z.array(accountCustomerSchema) }),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const rows = await customers.customersOf(tenantOf(caller), params.accountId);
      return {
        status: 200,
        body: {
          items: rows.map((row) => ({ role: row.role, customer: customerView(row.customer) })),
        },
      };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/customers/:customerId',
    operationId: 'getCustomer',
    summary: 'A customer',
    tag: 'Customers',
    access: 'org',
    params: customerParams,
    responses: {
      200: { description: 'The customer', schema: customerSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => ({
      status: 200,
      body: customerView(await customers.get(tenantOf(caller), params.customerId)),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/customers/:customerId/accounts',
    operationId: 'listCustomerAccounts',
    summary: "A customer's accounts, with the customer's role in each",
    tag: 'Customers',
    access: 'org',
    params: customerParams,
    responses: {
      200: {
        example: examples.listCustomerAccounts,
        description: 'Accounts',
        schema: z.object({
          items: z.array(
            z.object({
              accountId: z.uuid(),
              role: z.enum(['HOLDER', 'ADDITIONAL']),
              status: z.string(),
              programId: z.uuid(),
            }),
          ),
        }),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const rows = await customers.accountsOf(tenantOf(caller), params.customerId);
      return {
        status: 200,
        body: {
          items: rows.map((row) => ({
            accountId: row.account.id,
            role: row.role,
            status: row.account.status,
            programId: row.account.programId,
          })),
        },
      };
    },
  });
}
