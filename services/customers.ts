import { randomUUID } from 'node:crypto';
import type { CustomerInput } from '../common/customers.js';
import type { Customer, Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { DomainFailure } from '../common/failures.js';
import {
  documentRefusal,
  joinRefusal,
  type AccountCustomerRole,
} from '../machines/account-customers.js';
import { lockAccount } from './accounts/lock.js';
import { recordEvent } from './events.js';
import type { IdSource } from './ids.js';
import { inTransaction, type Tx } from './transactions.js';
import type { Tenant } from './tenant.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';

// Customers and the accounts they are on, in the database; who may join an account, and which
// document number a customer may take, are the rules of machines/account-customers.ts.

function customerRow(input: CustomerInput) {
  const date = (value?: string) => (value ? new Date(`${value}T00:00:00Z`) : null);
  if ('person' in input) {
    const p = input.person;
    return {
      kind: 'PERSON' as const,
      name: p.name,
      documentNumber: p.documentNumber,
      birthDate: date(p.birthDate),
      addresses: (p.addresses ?? []) as unknown as Prisma.InputJsonValue,
      contacts: (p.contacts ?? []) as unknown as Prisma.InputJsonValue,
    };
  }
  const c = input.company;
  return {
    kind: 'COMPANY' as const,
    name: c.legalName,
    documentNumber: c.documentNumber,
    incorporationDate: date(c.incorporationDate),
    addresses: (c.addresses ?? []) as unknown as Prisma.InputJsonValue,
    contacts: (c.contacts ?? []) as unknown as Prisma.InputJsonValue,
  };
}

/**
 * The customer with this document number, created if new. An existing customer keeps its data;
 * a document number already used by the other kind (a person's by a company) is refused.
 */
export async function findOrCreateCustomer(
  tx: Tx,
  tenant: Tenant,
  input: CustomerInput,
  field: string,
): Promise<Customer> {
  const row = customerRow(input);
  const customer = await tx.customer.upsert({
    where: {
      environmentId_documentNumber: {
        environmentId: tenant.environmentId,
        documentNumber: row.documentNumber,
      },
    },
    create: { id: randomUUID(), ...tenant, ...row },
    update: {},
  });
  const refusal = documentRefusal(customer.kind, row.kind, field);
  if (refusal) throw refusal;
  return customer;
}

/** Links a customer to an account as an additional customer, unless it is on the account already. */
export async function linkAdditionalCustomer(
  tx: Tx,
  tenant: Tenant,
  accountId: string,
  customerId: string,
): Promise<void> {
  const existing = await tx.accountCustomer.findUnique({
    where: { accountId_customerId: { accountId, customerId } },
  });
  if (!existing)
    await tx.accountCustomer.create({
      data: { accountId, customerId, ...tenant, role: 'ADDITIONAL' },
    });
}

export function createCustomerService({ prisma }: { prisma: PrismaClient }) {
  async function get(tenant: Tenant, id: string): Promise<Customer> {
    const customer = await prisma.customer.findFirst({
      where: { id, environmentId: tenant.environmentId },
    });
    if (!customer) throw DomainFailure.notFound(`customer ${id}`);
    return customer;
  }

  return {
    get,

    /** The environment's customers in (createdAt, id) order, optionally by document number. */
    list(tenant: Tenant, filter: { documentNumber?: string }, page: PageRequest) {
      return readPage(page, (take) =>
        prisma.customer.findMany({
          where: {
            environmentId: tenant.environmentId,
            ...(filter.documentNumber === undefined
              ? {}
              : { documentNumber: filter.documentNumber }),
            ...keysetAfter(page.after),
          },
          orderBy: keysetOrder,
          take,
        }),
      );
    },

    async accountsOf(tenant: Tenant, customerId: string) {
      await get(tenant, customerId);
      return prisma.accountCustomer.findMany({
        where: { customerId, environmentId: tenant.environmentId },
        orderBy: { createdAt: 'asc' },
        select: {
          role: true,
          createdAt: true,
          account: { select: { id: true, status: true, programId: true } },
        },
      });
    },

    async customersOf(tenant: Tenant, accountId: string) {
      const account = await prisma.account.findFirst({
        where: { id: accountId, environmentId: tenant.environmentId },
        select: { id: true },
      });
      if (!account) throw DomainFailure.notFound(`account ${accountId}`);
      return prisma.accountCustomer.findMany({
        where: { accountId },
        orderBy: [{ role: 'asc' }, { createdAt: 'asc' }],
        select: { role: true, createdAt: true, customer: true },
      });
    },

    /**
     * Adds an additional customer (joint account, additional cardholder). The account row is
     * locked first, so concurrent additions cannot both pass the checks.
     */
    async addToAccount(
      tenant: Tenant,
      accountId: string,
      input: { customerId?: string; customer?: CustomerInput; role: AccountCustomerRole },
      ids: IdSource,
    ) {
      const refusal = joinRefusal(input.role);
      if (refusal) throw refusal;
      return inTransaction(
        prisma,
        async (tx) => {
          const account = await lockAccount(tx, tenant, accountId);
          const customer = input.customerId
            ? await tx.customer.findFirst({
                where: { id: input.customerId, environmentId: tenant.environmentId },
              })
            : await findOrCreateCustomer(tx, tenant, input.customer!, 'customer');
          if (!customer) {
            throw DomainFailure.invalid([
              {
                field: 'customerId',
                rule: 'unknown_customer',
                message: 'is not a customer of this org',
              },
            ]);
          }
          const existing = await tx.accountCustomer.findUnique({
            where: { accountId_customerId: { accountId, customerId: customer.id } },
          });
          // Added by an earlier run of this very request (a retry after a crash): done already
          if (existing?.operationId === ids.operationId) return customer;
          if (existing)
            throw new DomainFailure(
              'CONFLICT',
              `customer ${customer.id} is already a ${existing.role.toLowerCase()} customer of this account`,
            );
          await tx.accountCustomer.create({
            data: {
              accountId,
              customerId: customer.id,
              ...tenant,
              role: 'ADDITIONAL',
              operationId: ids.operationId,
            },
          });
          // A customer joins an account once: the pair names the change
          await recordEvent(tx, {
            type: 'account.customer_added',
            key: `account:${account.id}:customer:${customer.id}`,
            ...tenant,
            subjectType: 'account',
            subjectId: account.id,
            payload: { accountId: account.id, customerId: customer.id, role: 'ADDITIONAL' },
          });
          return customer;
        },
        { retryOnUniqueViolation: true },
      );
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
