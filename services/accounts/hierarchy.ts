import { DomainFailure } from '../../common/failures.js';
import {
  parentRefusal,
  RELATED_OVERVIEW_LEVELS,
  relatedOverviewStatuses,
} from '../../machines/account-hierarchy.js';
import type { AccountStatus } from '../../machines/account-status.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { recordEvent } from '../events.js';
import type { Tenant } from '../tenant.js';
import type { Sql } from '../sql.js';
import { inTransaction, type Tx } from '../transactions.js';
import { lockAccount, lockAccountIfExists } from './lock.js';

// Related accounts in the database: links under a parent, and the overview of an account with
// its children and grandchildren. The rules are machines/account-hierarchy.ts and the status
// capabilities.

/**
 * A parent must be an account of the same environment whose status may be a parent, and not the
 * account itself or one of its descendants (that would make a cycle). The parent row is locked,
 * so a status change cannot take that capability away before the link commits.
 */
export async function checkParent(
  tx: Tx,
  tenant: Tenant,
  accountId: string | undefined,
  parentId: string,
): Promise<void> {
  const parent = await lockAccountIfExists(tx, tenant, parentId);
  const refusal = parentRefusal(
    parent,
    parent !== undefined &&
      accountId !== undefined &&
      (await isAncestorOrSelf(tx, accountId, parentId)),
  );
  if (refusal) throw DomainFailure.invalid([refusal]);
}

/** Whether `accountId` is `parentId` or one of its ancestors. */
async function isAncestorOrSelf(tx: Tx, accountId: string, parentId: string): Promise<boolean> {
  const found = await tx.$queryRaw<{ found: boolean }[]>`
    WITH RECURSIVE ancestors(id) AS (
      SELECT ${parentId}::uuid
      UNION
      SELECT a."parentAccountId" FROM "Account" a JOIN ancestors ON a.id = ancestors.id WHERE a."parentAccountId" IS NOT NULL
    )
    SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = ${accountId}::uuid) AS found`;
  return found[0]?.found === true;
}

/**
 * The account ($1, in environment $2) and its children and grandchildren in the statuses that
 * show in the overview ($3), down to the levels it shows ($4): set-based, one recursive query
 * whatever the number of accounts. Parameters only, never interpolated text.
 */
export const RELATED_ACCOUNTS_SQL = `
  WITH RECURSIVE tree AS (
    SELECT a.id, a."parentAccountId", a."programId", a.status, a.balance, a."creditLimit", 0 AS level
    FROM "Account" a
    WHERE a.id = $1::uuid AND a."environmentId" = $2::uuid
    UNION ALL
    SELECT c.id, c."parentAccountId", c."programId", c.status, c.balance, c."creditLimit", tree.level + 1
    FROM "Account" c JOIN tree ON c."parentAccountId" = tree.id
    WHERE tree.level < $4 AND c.status::text = ANY($3::text[]) AND c."environmentId" = $2::uuid
  )
  SELECT tree.id, tree."parentAccountId", tree.status::text AS status, tree.balance, tree."creditLimit",
         tree.level, p.currency
  FROM tree JOIN "Program" p ON p.id = tree."programId"
  ORDER BY tree.level, tree.id`;

/** The parameters of RELATED_ACCOUNTS_SQL: the account, its environment, and the machine's rules. */
export function relatedAccountsParams(accountId: string, environmentId: string): unknown[] {
  return [accountId, environmentId, relatedOverviewStatuses, RELATED_OVERVIEW_LEVELS];
}

export interface RelatedAccountRow {
  id: string;
  parentAccountId: string | null;
  status: AccountStatus;
  balance: bigint;
  creditLimit: bigint;
  level: number;
  currency: string;
}

export function createAccountHierarchy({ prisma, sql }: { prisma: PrismaClient; sql: Sql }) {
  return {
    /**
     * Links the account under a parent, or unlinks it with null. Links within an environment run
     * one at a time (the environment's row locked first), so each cycle check sees every link
     * made before it: two links that would close a cycle together cannot both pass, and no two
     * links wait on each other's rows. A row lock, not an advisory lock: distributed engines have
     * none or keep them per node (docs/capacity.md), and NO KEY UPDATE leaves the environment's
     * foreign-key checks (KEY SHARE) free, so account writes never wait for it. A link that is
     * already as asked (a repeated PUT or DELETE) changes nothing; a change bumps the version and
     * writes its event (account.parent_linked or account.parent_unlinked) in the same transaction.
     */
    async setParent(tenant: Tenant, accountId: string, parentId: string | null): Promise<void> {
      await inTransaction(prisma, async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM "Environment" WHERE id = ${tenant.environmentId}::uuid FOR NO KEY UPDATE`;
        const account = await lockAccount(tx, tenant, accountId);
        const previousParentAccountId = account.parentAccountId;
        if (parentId === previousParentAccountId) return;
        if (parentId) await checkParent(tx, tenant, accountId, parentId);
        const version = account.version + 1;
        await tx.account.update({
          where: { id: account.id },
          data: { parentAccountId: parentId, version },
        });
        const event = {
          key: `account:${account.id}:v${version}`,
          ...tenant,
          subjectId: account.id,
        };
        await recordEvent(
          tx,
          parentId
            ? {
                ...event,
                type: 'account.parent_linked',
                subjectType: 'account',
                payload: {
                  accountId: account.id,
                  parentAccountId: parentId,
                  previousParentAccountId,
                  accountVersion: version,
                },
              }
            : {
                ...event,
                type: 'account.parent_unlinked',
                subjectType: 'account',
                payload: {
                  accountId: account.id,
                  previousParentAccountId: previousParentAccountId!,
                  accountVersion: version,
                },
              },
        );
      });
    },

    /** The account with its active children and grandchildren: balances and limits of each. */
    async related(tenant: Tenant, accountId: string): Promise<RelatedAccountRow[]> {
      const rows = await sql.query<RelatedAccountRow>('related-accounts', {
        text: RELATED_ACCOUNTS_SQL,
        values: relatedAccountsParams(accountId, tenant.environmentId),
      });
      if (rows.length === 0) throw DomainFailure.notFound(`account ${accountId}`);
      return rows;
    },
  };
}
