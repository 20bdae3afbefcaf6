import {
  accountStatuses,
  accountStatusSnapshot,
  allowedTransitions,
  can,
} from '../../machines/account-status.js';
import {
  MAX_TRANSACTION_AMOUNT,
  balanceLimits,
  minorUnits,
} from '../../machines/balance-limits.js';
import type { AccountRecord } from '../../services/accounts/records.js';
import type { Services } from '../../services/index.js';
import { etagOf, ifMatch, ifMatchHeader } from '../etag.js';
import { problemSchema, type Api } from '../api.js';
import type { Tenant } from '../../services/tenant.js';
import { actorOf, tenantOf } from '../auth.js';
import { prose, z } from '../zod.js';
import { currencyCode } from './currency.js';
import { customerInputSchema } from './customer-schemas.js';
import { examples } from '../openapi-examples.js';
import { historyCursorQuery, pageSchema } from '../pagination.js';

const accountStatus = z.enum(accountStatuses);
const nonFinalStatus = z.enum(['NORMAL', 'BLOCKED']);
export const idParams = z.strictObject({ accountId: z.uuid({ message: 'must be a UUID' }) });
const createAccountBody = z
  .strictObject({
    programId: z.uuid(),
    owner: customerInputSchema.openapi({
      description: 'The holder: exactly one of person or company',
    }),
    parentAccountId: z
      .uuid()
      .optional()
      .openapi({ description: 'A parent account of the same org (related accounts)' }),
    dueDay: z.number().int().min(1).max(28).optional().openapi({
      description: "Credit programs: one of the program's due days; defaults to its first",
    }),
  })
  .openapi('CreateAccount', { example: examples.CreateAccount });

const transitionSchema = z.object({ event: z.string(), to: accountStatus });
export const accountSchema = z
  .object({
    id: z.uuid(),
    programId: z.uuid(),
    currency: z.string(),
    status: accountStatus,
    statusReason: z.object({ id: z.uuid(), code: z.string(), description: z.string() }).nullable(),
    statusDescription: z.string().nullable(),
    statusChangedAt: z.iso.datetime(),
    blockedUntil: z.iso.datetime().nullable(),
    balance: z.number().int().openapi({ description: 'Minor units of the currency' }),
    creditLimit: z.number().int(),
    availableCreditLimit: z
      .number()
      .int()
      .openapi({ description: 'Credit limit not used by a negative balance' }),
    availableToSpend: z
      .number()
      .int()
      .openapi({ description: 'Balance plus credit limit: what cash-out can take' }),
    dueDay: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Credit accounts: the day of the month the bill is due' }),
    parentAccountId: z.uuid().nullable(),
    version: z
      .number()
      .int()
      .openapi({ description: 'Also sent as the ETag header; send it back in If-Match' }),
    allowedTransitions: z.array(transitionSchema),
    allowedOperations: z.object({ cashIn: z.boolean(), cashOut: z.boolean() }),
    holder: z
      .object({
        customerId: z.uuid(),
        kind: z.enum(['PERSON', 'COMPANY']),
        name: z.string(),
        documentNumber: z.string(),
      })
      .nullable(),
    createdAt: z.iso.datetime(),
    links: z.object({
      statusPage: z
        .string()
        .openapi({ description: 'The status diagram and history of this account' }),
    }),
  })
  .openapi('Account', { example: examples.Account });

const statusChangeBody = z
  .strictObject({
    status: accountStatus,
    reasonId: z.uuid().optional(),
    description: prose(500).optional(),
    until: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .optional()
      .openapi({
        description:
          'End of a temporary block (status BLOCKED only); the account is unblocked then',
      }),
  })
  .openapi('AccountStatusChange', { example: examples.AccountStatusChange });

const rollbackBody = z
  .strictObject({
    status: nonFinalStatus
      .optional()
      .openapi({ description: 'Defaults to the status the account had before it was cancelled' }),
    reasonId: z.uuid().optional().openapi({
      description: 'Replaces the reason of the status restored; by default it keeps its own',
    }),
    description: prose(500).optional().openapi({
      description: 'Replaces the description of the status restored; by default it keeps its own',
    }),
  })
  .openapi('AccountStatusRollback', { example: examples.AccountStatusRollback });

export const historyQuery = z.strictObject(historyCursorQuery);

const historyEntry = z
  .object({
    id: z.string(),
    kind: z.enum(['CHANGE', 'ROLLBACK', 'AUTOMATIC_UNBLOCK']),
    from: accountStatus,
    to: accountStatus,
    reason: z.object({ id: z.uuid(), code: z.string() }).nullable(),
    description: z.string().nullable(),
    blockedUntil: z.iso.datetime().nullable(),
    by: z.string(),
    at: z.iso.datetime(),
    requestId: z.string().nullable(),
    version: z.number().int(),
    restores: z.string().nullable().openapi({
      description:
        'A rollback to the status the account was cancelled from: the id of the entry whose status (reason, description, end) it restored',
    }),
  })
  .openapi('AccountStatusHistoryEntry', { example: examples.AccountStatusHistoryEntry });

const transactionBody = z
  .strictObject({
    type: z.enum(['CASH_IN', 'CASH_OUT']),
    amount: z
      .number()
      .int('must be an integer number of minor units')
      .positive()
      .max(Number(MAX_TRANSACTION_AMOUNT))
      .openapi({ description: 'Minor units of the currency, e.g. 1050 for 10.50' }),
    currency: currencyCode,
  })
  .openapi('CreateTransaction', { example: examples.CreateTransaction });

const transactionSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    type: z.enum(['CASH_IN', 'CASH_OUT']),
    amount: z.number().int(),
    currency: z.string(),
    balanceAfter: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Transaction', { example: examples.Transaction });

const conflict = {
  description: 'Not allowed from the current status; allowedTransitions lists what is',
  schema: problemSchema,
};

const relatedAccountSchema = z
  .object({
    id: z.uuid(),
    parentAccountId: z.uuid().nullable(),
    status: accountStatus,
    currency: z.string(),
    balance: z.number().int(),
    creditLimit: z.number().int(),
    availableToSpend: z.number().int(),
  })
  .openapi('RelatedAccount', { example: examples.RelatedAccount });

export function registerAccountRoutes(api: Api, services: Services): void {
  /** The account as a write left it, with its ETag */
  const shown = (account: AccountRecord, status = 200, headers: Record<string, string> = {}) => ({
    status,
    headers: { ...headers, ETag: etagOf(account.version) },
    body: accountView(account),
  });
  /** The account as it is now */
  const answer = async (
    tenant: Tenant,
    accountId: string,
    status = 200,
    headers: Record<string, string> = {},
  ) => shown(await services.accounts.get(tenant, accountId), status, headers);

  api.route({
    method: 'put',
    path: '/v1/accounts/:accountId/parent',
    operationId: 'setAccountParent',
    summary:
      'Link the account under a parent account of the same org (no cycles, no cancelled parent)',
    tag: 'Related accounts',
    access: 'org',
    params: idParams,
    body: z
      .strictObject({ parentAccountId: z.uuid() })
      .openapi({ example: examples.setAccountParent }),
    responses: {
      200: { description: 'The account', schema: accountSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, body, caller }) => {
      await services.accountHierarchy.setParent(
        tenantOf(caller),
        params.accountId,
        body.parentAccountId,
      );
      return answer(tenantOf(caller), params.accountId);
    },
  });

  api.route({
    method: 'delete',
    path: '/v1/accounts/:accountId/parent',
    operationId: 'removeAccountParent',
    summary: 'Unlink the account from its parent',
    tag: 'Related accounts',
    access: 'org',
    params: idParams,
    responses: {
      200: { description: 'The account', schema: accountSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      await services.accountHierarchy.setParent(tenantOf(caller), params.accountId, null);
      return answer(tenantOf(caller), params.accountId);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId/related',
    operationId: 'listRelatedAccounts',
    summary:
      'Balances and limits of the account and of its active (NORMAL) children and grandchildren',
    tag: 'Related accounts',
    access: 'org',
    params: idParams,
    responses: {
      200: {
        example: examples.listRelatedAccounts,
        description: 'The account and its related accounts two levels down',
        schema: z.object({
          account: relatedAccountSchema,
          children: z.array(relatedAccountSchema),
          grandchildren: z.array(relatedAccountSchema),
        }),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      const rows = await services.accountHierarchy.related(tenantOf(caller), params.accountId);
      const view = (row: (typeof rows)[number]) => ({
        id: row.id,
        parentAccountId: row.parentAccountId,
        status: row.status,
        currency: row.currency,
        balance: minorUnits(row.balance),
        creditLimit: minorUnits(row.creditLimit),
        availableToSpend: minorUnits(balanceLimits(row.balance, row.creditLimit).availableToSpend),
      });
      return {
        status: 200,
        body: {
          account: view(rows[0]!),
          children: rows.filter((r) => r.level === 1).map(view),
          grandchildren: rows.filter((r) => r.level === 2).map(view),
        },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/accounts',
    operationId: 'createAccount',
    summary:
      'Create an account (status NORMAL) in a program, with its holder: a person or a company',
    tag: 'Accounts',
    access: 'org',
    body: createAccountBody,
    idempotent: true,
    responses: {
      201: { description: 'The account', schema: accountSchema },
      409: { description: 'Conflict', schema: problemSchema },
    },
    handler: async ({ body, caller, ids }) => {
      const accountId = await services.accountCreation.create(tenantOf(caller), body, ids);
      return answer(tenantOf(caller), accountId, 201, { Location: `/v1/accounts/${accountId}` });
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId',
    operationId: 'getAccount',
    summary: 'An account: status, reason, version, what it may do now',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    responses: {
      200: { description: 'The account', schema: accountSchema },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, caller }) => {
      return answer(tenantOf(caller), params.accountId);
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/accounts/:accountId/status',
    operationId: 'changeAccountStatus',
    summary:
      'Change the account status (NORMAL, BLOCKED, CANCELLED), optionally with a reason and, for a block, an end time',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    headers: ifMatchHeader,
    body: statusChangeBody,
    responses: {
      200: { description: 'The account after the change', schema: accountSchema },
      404: { description: 'Not found', schema: problemSchema },
      409: conflict,
    },
    handler: async ({ header, params, body, caller, requestId }) => {
      const until = body.until === undefined ? undefined : new Date(body.until);
      const account = await services.accountStatus.change(
        tenantOf(caller),
        params.accountId,
        {
          status: body.status,
          reasonId: body.reasonId,
          description: body.description,
          until,
          expectedVersion: ifMatch(header('if-match')),
        },
        actorOf(caller, requestId),
      );
      return shown(account);
    },
  });

  api.route({
    method: 'post',
    path: '/v1/accounts/:accountId/status/rollback',
    operationId: 'rollbackAccountStatus',
    summary:
      'Recover a CANCELLED account: restore the status it had before cancellation as it was, or a non-final status named',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    headers: ifMatchHeader,
    body: rollbackBody,
    responses: {
      200: {
        description:
          'The account after the rollback (and after the lift of a restored temporary block whose end has passed)',
        schema: accountSchema,
      },
      404: { description: 'Not found', schema: problemSchema },
      409: { description: 'The account is not CANCELLED', schema: problemSchema },
    },
    handler: async ({ header, params, body, caller, requestId }) => {
      const account = await services.accountStatus.rollback(
        tenantOf(caller),
        params.accountId,
        { ...body, expectedVersion: ifMatch(header('if-match')) },
        actorOf(caller, requestId),
      );
      return shown(account);
    },
  });

  api.route({
    method: 'get',
    path: '/v1/accounts/:accountId/status-history',
    operationId: 'listAccountStatusHistory',
    summary: 'Every status change of the account, oldest first: who, when, from, to, reason',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    query: historyQuery,
    responses: {
      200: {
        description: 'A page of history',
        schema: pageSchema(historyEntry),
      },
      404: { description: 'Not found', schema: problemSchema },
    },
    handler: async ({ params, query, caller }) => {
      const rows = await services.accountHistory.statusChanges(tenantOf(caller), params.accountId, {
        limit: query.limit,
        after: query.after === undefined ? undefined : BigInt(query.after),
      });
      const items = rows.map((row) => ({
        id: row.id.toString(),
        kind: row.kind,
        from: row.fromStatus,
        to: row.toStatus,
        reason: row.reason,
        description: row.description,
        blockedUntil: row.blockedUntil?.toISOString() ?? null,
        by: row.actor,
        at: row.createdAt.toISOString(),
        requestId: row.requestId,
        version: row.accountVersion,
        restores: row.restoredChangeId?.toString() ?? null,
      }));
      return {
        status: 200,
        body: { items, next: items.length === query.limit ? (items.at(-1)?.id ?? null) : null },
      };
    },
  });

  api.route({
    method: 'post',
    path: '/v1/accounts/:accountId/transactions',
    operationId: 'createTransaction',
    summary: 'Cash-in or cash-out, allowed or refused by the account status',
    tag: 'Accounts',
    access: 'org',
    params: idParams,
    body: transactionBody,
    idempotent: true,
    responses: {
      201: {
        example: examples.createTransaction,
        description: 'The transaction and the account after it',
        schema: z.object({ transaction: transactionSchema, account: accountSchema }),
      },
      404: { description: 'Not found', schema: problemSchema },
      409: {
        description: 'The account status does not allow this operation',
        schema: problemSchema,
      },
      422: { description: 'Insufficient funds', schema: problemSchema },
    },
    handler: async ({ params, body, caller, requestId, ids }) => {
      const tenant = tenantOf(caller);
      const { transaction, account } = await services.ledger.move(
        tenant,
        params.accountId,
        body,
        actorOf(caller, requestId),
        ids,
      );
      return {
        status: 201,
        headers: { ETag: etagOf(account.version) },
        body: {
          transaction: {
            id: transaction.id,
            accountId: transaction.accountId,
            type: transaction.type,
            amount: minorUnits(transaction.amount),
            currency: transaction.currency,
            balanceAfter: minorUnits(transaction.balanceAfter),
            createdAt: transaction.createdAt.toISOString(),
          },
          account: accountView(account),
        },
      };
    },
  });
}

export function accountView(account: AccountRecord) {
  const snapshot = accountStatusSnapshot(account.status, account.statusBeforeCancellation);
  const holder = account.holder;
  const limits = balanceLimits(account.balance, account.creditLimit);
  return {
    id: account.id,
    programId: account.programId,
    currency: account.currency,
    status: account.status,
    statusReason: account.statusReason,
    statusDescription: account.statusDescription,
    statusChangedAt: account.statusChangedAt.toISOString(),
    blockedUntil: account.blockedUntil?.toISOString() ?? null,
    balance: minorUnits(limits.balance),
    creditLimit: minorUnits(limits.creditLimit),
    availableCreditLimit: minorUnits(limits.availableCreditLimit),
    availableToSpend: minorUnits(limits.availableToSpend),
    dueDay: account.dueDay,
    parentAccountId: account.parentAccountId,
    version: account.version,
    allowedTransitions: allowedTransitions(snapshot),
    allowedOperations: {
      cashIn: can(account.status, 'cashIn'),
      cashOut: can(account.status, 'cashOut'),
    },
    holder: holder
      ? {
          customerId: holder.id,
          kind: holder.kind,
          name: holder.name,
          documentNumber: holder.documentNumber,
        }
      : null,
    createdAt: account.createdAt.toISOString(),
    links: { statusPage: `/ui/accounts/${account.id}` },
  };
}
