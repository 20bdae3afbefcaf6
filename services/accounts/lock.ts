import { DomainFailure } from '../../common/failures.js';
import type { AccountTerms } from '../../machines/account-terms.js';
import type { AccountStatus } from '../../machines/account-status.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Sql } from '../sql.js';
import { accountRecordColumns, accountRecordJoins, type AccountRecord } from './records.js';
import type { Tenant } from '../tenant.js';
import type { Tx } from '../transactions.js';

/**
 * The account row every write decides on, with what its program, environment and org add to it.
 * Writes read it under a row lock for the rest of their transaction: concurrent writers of one
 * account queue behind each other, so each decides on the latest state and the version chain
 * never forks. (A status change first tries without the lock; see accounts/status.ts.)
 */
export interface AccountState extends AccountRecord, AccountTerms {
  /** Target statuses the environment requires a reason for */
  statusReasonRequiredFor: AccountStatus[];
  /** The org's IANA time zone: whose calendar its dates are in */
  timeZone: string;
}

/** The one lock on an account row; an account of another environment is not found (404). */
export async function lockAccount(
  tx: Tx,
  tenant: Tenant,
  accountId: string,
): Promise<AccountState> {
  const account = await lockAccountIfExists(tx, tenant, accountId);
  if (!account) throw DomainFailure.notFound(`account ${accountId}`);
  return account;
}

/** The same lock, for an account a command names in its input: undefined when there is none. */
export async function lockAccountIfExists(
  tx: Tx,
  tenant: Tenant,
  accountId: string,
): Promise<AccountState | undefined> {
  return stateOf(
    await tx.$queryRaw<AccountState[]>(accountStateQuery(tenant, accountId, { lock: true })),
  );
}

/** The account's state read without a lock, for a write that checks its version when it lands. */
export async function readAccountState(
  sql: Sql,
  tenant: Tenant,
  accountId: string,
): Promise<AccountState> {
  const account = stateOf(
    await sql.query<AccountState>(
      'account-state',
      accountStateQuery(tenant, accountId, { lock: false }),
    ),
  );
  if (!account) throw DomainFailure.notFound(`account ${accountId}`);
  return account;
}

function accountStateQuery(tenant: Tenant, accountId: string, { lock }: { lock: boolean }) {
  return Prisma.sql`
    SELECT ${accountRecordColumns},
           a."dueDayCycleClosesOn"::text AS "dueDayCycleClosesOn", a."dueDayChangesInCycle",
           p.type::text AS type, p."cardNetwork"::text AS "cardNetwork", p."dueDays", p."dueDayChangeLimit",
           e."statusReasonRequiredFor"::text[] AS "statusReasonRequiredFor", o."timeZone"
    FROM "Account" a
    JOIN "Program" p ON p.id = a."programId"
    JOIN "Environment" e ON e.id = a."environmentId"
    JOIN "Org" o ON o.id = a."orgId"
    ${accountRecordJoins}
    WHERE a.id = ${accountId}::uuid AND a."environmentId" = ${tenant.environmentId}::uuid
    ${lock ? Prisma.sql`FOR UPDATE OF a` : Prisma.empty}`;
}

function stateOf(rows: AccountState[]): AccountState | undefined {
  const row = rows[0];
  return row && { ...row, statusReasonRequiredFor: row.statusReasonRequiredFor ?? [] };
}

/** If-Match: a change based on a version the account has moved past is refused with the current one. */
export function checkVersion(
  account: { version: number },
  expectedVersion: number | undefined,
): void {
  if (expectedVersion !== undefined && expectedVersion !== account.version) {
    throw new DomainFailure(
      'PRECONDITION_FAILED',
      `the account changed since version ${expectedVersion}; it is now at version ${account.version}`,
      { currentVersion: account.version },
    );
  }
}
