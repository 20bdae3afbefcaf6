import type { CustomerInput } from '../../common/customers.js';
import { DomainFailure } from '../../common/failures.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { newAccountDueDay } from '../../machines/account-terms.js';
import { findOrCreateCustomer } from '../customers.js';
import { recordEvent } from '../events.js';
import type { IdSource } from '../ids.js';
import { heldProgramTerms } from '../programs.js';
import type { Tenant } from '../tenant.js';
import { inTransaction, type Tx } from '../transactions.js';
import { checkParent } from './hierarchy.js';

// Opening an account: always in its status machine's initial status (the column's default), in a
// program of the environment, with its holder.

export interface NewAccount {
  programId: string;
  owner: CustomerInput;
  parentAccountId?: string;
  /** Set when the account comes from an application: at most one account per application */
  applicationId?: string;
  /** Credit programs: one of the program's due days; defaults to its first */
  dueDay?: number;
}

/**
 * Creates the account `accountId`, its holder (found or created by document number) and their
 * link, in the caller's transaction. A second call for the same account id, or the same
 * application, finds the account the first made and returns it.
 */
export async function createAccountInTx(
  tx: Tx,
  tenant: Tenant,
  accountId: string,
  input: NewAccount,
): Promise<string> {
  const existing = await tx.account.findFirst({
    where: {
      environmentId: tenant.environmentId,
      OR: [
        { id: accountId },
        ...(input.applicationId ? [{ applicationId: input.applicationId }] : []),
      ],
    },
    select: { id: true },
  });
  if (existing) return existing.id;
  const program = await heldProgramTerms(tx, tenant, input.programId);
  if (!program) {
    throw DomainFailure.invalid([
      { field: 'programId', rule: 'unknown_program', message: 'is not a program of this org' },
    ]);
  }
  const terms = newAccountDueDay(program, input.dueDay);
  if ('refusal' in terms) throw DomainFailure.invalid([terms.refusal]);
  const { dueDay } = terms;
  if (input.parentAccountId) await checkParent(tx, tenant, undefined, input.parentAccountId);
  const customer = await findOrCreateCustomer(tx, tenant, input.owner, 'owner');
  await tx.account.create({
    data: {
      id: accountId,
      ...tenant,
      programId: program.id,
      creditLimit: program.defaultCreditLimit,
      dueDay,
      parentAccountId: input.parentAccountId ?? null,
      applicationId: input.applicationId ?? null,
    },
  });
  await tx.accountCustomer.create({
    data: { accountId, customerId: customer.id, ...tenant, role: 'HOLDER' },
  });
  await recordEvent(tx, {
    type: 'account.created',
    key: `account:${accountId}:created`,
    ...tenant,
    subjectType: 'account',
    subjectId: accountId,
    payload: {
      accountId,
      programId: program.id,
      applicationId: input.applicationId ?? null,
      parentAccountId: input.parentAccountId ?? null,
    },
  });
  return accountId;
}

export function createAccountCreation({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Opens the account whose id `ids` gives; a retry of the same request finds it opened. */
    create(tenant: Tenant, input: NewAccount, ids: IdSource): Promise<string> {
      return inTransaction(
        prisma,
        (tx) => createAccountInTx(tx, tenant, ids.uuid('account'), input),
        {
          retryOnUniqueViolation: true,
        },
      );
    },
  };
}
