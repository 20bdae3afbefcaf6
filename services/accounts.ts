import type { Prisma } from '../generated/prisma/client.js';
import type { StatusChangeKind, TransactionType } from '../generated/prisma/enums.js';
import {
  accountStatusSnapshot,
  allowedTransitions,
  eventForTargetStatus,
  operationAllowed,
  statusOf,
  transitionStatus,
  type AccountStatus,
  type AccountStatusEvent,
  type AccountStatusSnapshot,
  type NonFinalAccountStatus,
} from '../machines/account-status.js';
import type { PrismaClient } from '../runtime/prisma.js';
import { DomainFailure } from '../common/failures.js';
import type { CustomerInput } from '../common/customers.js';
import { MAX_BALANCE, minorUnits } from './balance-limits.js';
import { findOrCreateCustomer } from './customers.js';
import { checkReasonFor, systemReason, temporaryBlockExpiredReason } from './status-reasons.js';
import type { TemporaryBlocks } from './temporary-blocks.js';
import { inTransaction, type Tx } from './transactions.js';
import type { IdSource } from './ids.js';
import type { Actor, Tenant } from './tenant.js';

export interface NewAccount {
  programId: string;
  owner: CustomerInput;
  parentAccountId?: string;
  /** Set when the account comes from an application: at most one account per application */
  applicationId?: string;
  /** Credit programs: one of the program's due days; defaults to its first */
  dueDay?: number;
}

export interface StatusChangeRequest {
  status: AccountStatus;
  reasonId?: string;
  description?: string;
  /** End of a temporary block; only with status BLOCKED */
  until?: Date;
  /** From If-Match */
  expectedVersion?: number;
}

export interface RollbackRequest {
  status?: NonFinalAccountStatus;
  reasonId?: string;
  description?: string;
  expectedVersion?: number;
}

export interface MoneyMovement {
  type: TransactionType;
  amount: number;
  currency: string;
}

/** The locked account row a status change or money movement decides on. */
interface LockedAccount {
  id: string;
  status: AccountStatus;
  statusBeforeCancellation: NonFinalAccountStatus | null;
  blockedUntil: Date | null;
  version: number;
  balance: bigint;
  creditLimit: bigint;
  currency: string;
  statusReasonRequiredFor: AccountStatus[];
}

const accountInclude = {
  program: { select: { id: true, name: true, type: true, cardNetwork: true, currency: true } },
  statusReason: { select: { id: true, code: true, description: true } },
  customers: {
    where: { role: 'HOLDER' },
    select: {
      role: true,
      customer: { select: { id: true, kind: true, name: true, documentNumber: true } },
    },
  },
} satisfies Prisma.AccountInclude;

export type AccountRecord = Prisma.AccountGetPayload<{ include: typeof accountInclude }>;

export function createAccountService(deps: {
  prisma: PrismaClient;
  temporaryBlocks: TemporaryBlocks;
}) {
  const { prisma, temporaryBlocks } = deps;

  async function get(tenant: Tenant, id: string): Promise<AccountRecord> {
    const account = await prisma.account.findFirst({
      where: { id, environmentId: tenant.environmentId },
      include: accountInclude,
    });
    if (!account) throw DomainFailure.notFound(`account ${id}`);
    return account;
  }

  /** Locks the account row for the rest of the transaction; concurrent writers queue behind it. */
  async function lock(tx: Tx, tenant: Tenant, id: string): Promise<LockedAccount> {
    const rows = await tx.$queryRaw<LockedAccount[]>`
      SELECT a.id, a.status::text AS status, a."statusBeforeCancellation"::text AS "statusBeforeCancellation",
             a."blockedUntil", a.version, a.balance, a."creditLimit", p.currency,
             e."statusReasonRequiredFor"::text[] AS "statusReasonRequiredFor"
      FROM "Account" a
      JOIN "Program" p ON p.id = a."programId"
      JOIN "Environment" e ON e.id = a."environmentId"
      WHERE a.id = ${id}::uuid AND a."environmentId" = ${tenant.environmentId}::uuid
      FOR UPDATE OF a`;
    const row = rows[0];
    if (!row) throw DomainFailure.notFound(`account ${id}`);
    return { ...row, statusReasonRequiredFor: row.statusReasonRequiredFor ?? [] };
  }

  function refuse(snapshot: AccountStatusSnapshot, what: string): DomainFailure {
    return new DomainFailure(
      'TRANSITION_NOT_ALLOWED',
      `${what} is not allowed from status ${statusOf(snapshot)}`,
      {
        currentStatus: statusOf(snapshot),
        allowedTransitions: allowedTransitions(snapshot),
      },
    );
  }

  interface StatusChange {
    kind: StatusChangeKind;
    /** The event to send, or null to leave the account as it is */
    decide: (account: LockedAccount, snapshot: AccountStatusSnapshot) => AccountStatusEvent | null;
    reasonId?: string | ((tx: Tx) => Promise<string>);
    description?: string;
    blockedUntil?: Date;
    expectedVersion?: number;
    /** Runs with the row still locked, after every check and before the write commits */
    beforeCommit?: (to: AccountStatus) => Promise<void>;
    /** Names the change so running it again (a retried activity) finds it made */
    operationId?: string;
  }

  /**
   * The one path every status change takes: lock the row, check the version, let the machine
   * decide, check the reason, then a version-checked UPDATE and its audit row in one transaction.
   */
  async function applyStatusChange(
    tenant: Tenant,
    accountId: string,
    change: StatusChange,
    actor: Actor,
  ) {
    return inTransaction(prisma, async (tx) => {
      const account = await lock(tx, tenant, accountId);
      if (change.operationId) {
        const done = await tx.accountStatusChange.findFirst({
          where: { accountId: account.id, operationId: change.operationId },
          select: { id: true },
        });
        if (done) return { changed: true as const, previous: account };
      }
      checkVersion(account, change.expectedVersion);
      const snapshot = accountStatusSnapshot(account.status, account.statusBeforeCancellation);
      const event = change.decide(account, snapshot);
      if (!event) return { changed: false as const, previous: account };
      const next = transitionStatus(snapshot, event);
      if (!next) throw refuse(snapshot, event.type);
      const to = statusOf(next);
      const reasonId =
        typeof change.reasonId === 'function' ? await change.reasonId(tx) : change.reasonId;
      await checkReasonFor(tx, tenant, to, reasonId, account.statusReasonRequiredFor);
      await change.beforeCommit?.(to);

      const version = account.version + 1;
      const now = new Date();
      const updated = await tx.account.updateMany({
        where: { id: account.id, version: account.version },
        data: {
          status: to,
          statusReasonId: reasonId ?? null,
          statusDescription: change.description ?? null,
          statusChangedAt: now,
          statusBeforeCancellation: next.context.statusBeforeCancellation,
          blockedUntil: to === 'BLOCKED' ? (change.blockedUntil ?? null) : null,
          version,
        },
      });
      if (updated.count !== 1)
        throw new DomainFailure('CONFLICT', 'the account changed during the request; retry it');
      await tx.accountStatusChange.create({
        data: {
          ...tenant,
          accountId: account.id,
          kind: change.kind,
          fromStatus: account.status,
          toStatus: to,
          reasonId: reasonId ?? null,
          description: change.description ?? null,
          blockedUntil: to === 'BLOCKED' ? (change.blockedUntil ?? null) : null,
          accountVersion: version,
          actor: actor.actor,
          requestId: actor.requestId ?? null,
          operationId: change.operationId ?? null,
          createdAt: now,
        },
      });
      return { changed: true as const, previous: account };
    });
  }

  /** After a change: the timer of a block the account has left is stopped (it re-checks anyway). */
  async function stopLeftBlockTimer(previous: LockedAccount, newUntil: Date | undefined) {
    if (previous.blockedUntil && previous.blockedUntil.getTime() !== newUntil?.getTime()) {
      await temporaryBlocks.cancel(previous.id, previous.blockedUntil);
    }
  }

  /**
   * Creates the account `accountId`, its holder (found or created by document number) and their
   * link, in the caller's transaction. A second call for the same account id, or the same
   * application, finds the account the first made and returns it.
   */
  async function createInTx(
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
    const program = await tx.program.findFirst({
      where: { id: input.programId, environmentId: tenant.environmentId },
    });
    if (!program) {
      throw DomainFailure.invalid([
        {
          field: 'programId',
          rule: 'unknown_program',
          message: 'is not a program of this org',
        },
      ]);
    }
    const dueDay = program.type === 'CREDIT' ? (input.dueDay ?? program.dueDays[0] ?? null) : null;
    if (input.dueDay !== undefined && (dueDay === null || !program.dueDays.includes(dueDay))) {
      throw DomainFailure.invalid([
        {
          field: 'dueDay',
          rule: 'not_offered',
          message: `must be one of the program's due days (${program.dueDays.join(', ') || 'none: not a credit program'})`,
        },
      ]);
    }
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
    return accountId;
  }

  /**
   * A parent must be an account of the same environment, not cancelled, and not the account
   * itself or one of its descendants (that would make a cycle). The parent row is locked so
   * two concurrent links cannot close a cycle between them.
   */
  async function checkParent(
    tx: Tx,
    tenant: Tenant,
    accountId: string | undefined,
    parentId: string,
  ): Promise<void> {
    const field = 'parentAccountId';
    const parents = await tx.$queryRaw<{ status: AccountStatus }[]>`
      SELECT status::text AS status FROM "Account"
      WHERE id = ${parentId}::uuid AND "environmentId" = ${tenant.environmentId}::uuid FOR UPDATE`;
    const parent = parents[0];
    if (!parent)
      throw DomainFailure.invalid([
        { field, rule: 'unknown_account', message: 'is not an account of this org' },
      ]);
    if (parent.status === 'CANCELLED') {
      throw DomainFailure.invalid([
        { field, rule: 'parent_cancelled', message: 'is a CANCELLED account' },
      ]);
    }
    if (!accountId) return;
    const cycle = await tx.$queryRaw<{ found: boolean }[]>`
      WITH RECURSIVE ancestors(id) AS (
        SELECT ${parentId}::uuid
        UNION
        SELECT a."parentAccountId" FROM "Account" a JOIN ancestors ON a.id = ancestors.id WHERE a."parentAccountId" IS NOT NULL
      )
      SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = ${accountId}::uuid) AS found`;
    if (cycle[0]?.found) {
      throw DomainFailure.invalid([
        { field, rule: 'cycle', message: 'is the account itself or one of its descendants' },
      ]);
    }
  }

  return {
    get,

    async create(tenant: Tenant, input: NewAccount, ids: IdSource): Promise<AccountRecord> {
      const accountId = await inTransaction(
        prisma,
        (tx) => createInTx(tx, tenant, ids.uuid('account'), input),
        { retryOnUniqueViolation: true },
      );
      return get(tenant, accountId);
    },

    createInTx,

    async changeStatus(
      tenant: Tenant,
      accountId: string,
      request: StatusChangeRequest,
      actor: Actor,
    ) {
      const { until } = request;
      const { changed, previous } = await applyStatusChange(
        tenant,
        accountId,
        {
          kind: 'CHANGE',
          decide: (_account, snapshot) => {
            const event = eventForTargetStatus(snapshot, request.status);
            if (!event) throw refuse(snapshot, `a change to ${request.status}`);
            return event;
          },
          reasonId: request.reasonId,
          description: request.description,
          blockedUntil: until,
          expectedVersion: request.expectedVersion,
          // The timer starts before the block commits: if Temporal refuses, nothing is written.
          // A timer left by a failed commit finds no matching block at expiry and does nothing.
          beforeCommit: until
            ? () => temporaryBlocks.schedule(tenant, accountId, until)
            : undefined,
        },
        actor,
      );
      if (changed) await stopLeftBlockTimer(previous, until);
      return get(tenant, accountId);
    },

    async rollback(tenant: Tenant, accountId: string, request: RollbackRequest, actor: Actor) {
      await applyStatusChange(
        tenant,
        accountId,
        {
          kind: 'ROLLBACK',
          decide: (_account, snapshot) => {
            if (statusOf(snapshot) !== 'CANCELLED') {
              throw new DomainFailure(
                'TRANSITION_NOT_ALLOWED',
                `only a CANCELLED account can be rolled back; this one is ${statusOf(snapshot)}`,
                {
                  currentStatus: statusOf(snapshot),
                  allowedTransitions: allowedTransitions(snapshot),
                },
              );
            }
            return request.status ? { type: 'ROLLBACK', to: request.status } : { type: 'ROLLBACK' };
          },
          reasonId: request.reasonId,
          description: request.description,
          expectedVersion: request.expectedVersion,
        },
        actor,
      );
      return get(tenant, accountId);
    },

    /**
     * Lifts a temporary block that reached its end, if the account is still in that block.
     * Safe to repeat: a second run finds the account no longer blocked and does nothing.
     */
    async expireTemporaryBlock(
      tenant: Tenant,
      accountId: string,
      until: Date,
    ): Promise<'unblocked' | 'skipped'> {
      const { changed } = await applyStatusChange(
        tenant,
        accountId,
        {
          kind: 'AUTOMATIC_UNBLOCK',
          decide: (account) =>
            account.status === 'BLOCKED' && account.blockedUntil?.getTime() === until.getTime()
              ? { type: 'UNBLOCK' }
              : null,
          reasonId: (tx) => systemReason(tx, tenant, temporaryBlockExpiredReason),
          description: `Temporary block until ${until.toISOString()} ended`,
          operationId: `temporary-block-expiry:${until.toISOString()}`,
        },
        { actor: 'system' },
      );
      return changed ? 'unblocked' : 'skipped';
    },

    /**
     * Links the account under a parent, or unlinks it with null. Links within an environment run
     * one at a time (a transaction-scoped advisory lock taken first), so each cycle check sees
     * every link made before it: two links that would close a cycle together cannot both pass,
     * and no two links wait on each other's rows.
     */
    async setParent(
      tenant: Tenant,
      accountId: string,
      parentId: string | null,
    ): Promise<AccountRecord> {
      await inTransaction(prisma, async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${`account-hierarchy:${tenant.environmentId}`}, 0))`;
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "Account" WHERE id = ${accountId}::uuid AND "environmentId" = ${tenant.environmentId}::uuid FOR UPDATE`;
        if (locked.length === 0) throw DomainFailure.notFound(`account ${accountId}`);
        if (parentId) await checkParent(tx, tenant, accountId, parentId);
        await tx.account.update({
          where: { id: accountId },
          data: { parentAccountId: parentId, version: { increment: 1 } },
        });
      });
      return get(tenant, accountId);
    },

    /**
     * The account with its active (NORMAL) children and grandchildren, two levels down, in one
     * recursive query: balances and limits of each.
     */
    async related(tenant: Tenant, accountId: string) {
      const rows = await prisma.$queryRawUnsafe<RelatedAccountRow[]>(
        RELATED_ACCOUNTS_SQL,
        accountId,
        tenant.environmentId,
      );
      if (rows.length === 0) throw DomainFailure.notFound(`account ${accountId}`);
      return rows;
    },

    async statusHistory(
      tenant: Tenant,
      accountId: string,
      page: { limit: number; after?: bigint },
    ) {
      await get(tenant, accountId);
      return prisma.accountStatusChange.findMany({
        where: {
          accountId,
          environmentId: tenant.environmentId,
          ...(page.after ? { id: { gt: page.after } } : {}),
        },
        orderBy: { id: 'asc' },
        take: page.limit,
        include: { reason: { select: { id: true, code: true } } },
      });
    },

    /**
     * Cash-in or cash-out: allowed or refused by the status alone, as the machine says. The
     * transaction's id comes from `ids`: a retry of the same request finds its movement made
     * and moves nothing again.
     */
    async moveMoney(
      tenant: Tenant,
      accountId: string,
      movement: MoneyMovement,
      actor: Actor,
      ids: IdSource,
    ) {
      const transactionId = ids.uuid('transaction');
      const result = await inTransaction(prisma, async (tx) => {
        const account = await lock(tx, tenant, accountId);
        const done = await tx.accountTransaction.findFirst({
          where: { id: transactionId, accountId: account.id },
        });
        if (done) return done;
        if (movement.currency !== account.currency) {
          throw DomainFailure.invalid([
            {
              field: 'currency',
              rule: 'currency_mismatch',
              message: `must be ${account.currency}, the currency of the account's program`,
            },
          ]);
        }
        const operation = movement.type === 'CASH_IN' ? 'cashIn' : 'cashOut';
        if (!operationAllowed(account.status, operation)) {
          throw new DomainFailure(
            'OPERATION_NOT_ALLOWED',
            `${movement.type} is not allowed while the account is ${account.status}`,
            {
              currentStatus: account.status,
              operation: movement.type,
            },
          );
        }
        const amount = BigInt(movement.amount);
        const balance =
          movement.type === 'CASH_IN' ? account.balance + amount : account.balance - amount;
        if (balance > MAX_BALANCE) {
          throw DomainFailure.invalid([
            {
              field: 'amount',
              rule: 'balance_limit',
              message: `would take the balance to ${balance}, past ${MAX_BALANCE}, the most an account holds (minor units)`,
            },
          ]);
        }
        if (balance + account.creditLimit < 0n) {
          const available = account.balance + account.creditLimit;
          throw new DomainFailure(
            'INSUFFICIENT_FUNDS',
            `${movement.amount} is more than the ${available} available (balance plus credit limit)`,
            {
              balance: minorUnits(account.balance),
              available: minorUnits(available),
            },
          );
        }
        await tx.account.update({
          where: { id: account.id },
          data: { balance, version: account.version + 1 },
        });
        return tx.accountTransaction.create({
          data: {
            id: transactionId,
            ...tenant,
            accountId: account.id,
            type: movement.type,
            amount,
            currency: movement.currency,
            balanceAfter: balance,
            actor: actor.actor,
            requestId: actor.requestId ?? null,
          },
        });
      });
      return { transaction: result, account: await get(tenant, accountId) };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

/**
 * The account ($1, in environment $2) and its NORMAL children and grandchildren, set-based: one
 * recursive query whatever the number of accounts. Parameters only, never interpolated text.
 */
export const RELATED_ACCOUNTS_SQL = `
  WITH RECURSIVE tree AS (
    SELECT a.id, a."parentAccountId", a."programId", a.status, a.balance, a."creditLimit", 0 AS level
    FROM "Account" a
    WHERE a.id = $1::uuid AND a."environmentId" = $2::uuid
    UNION ALL
    SELECT c.id, c."parentAccountId", c."programId", c.status, c.balance, c."creditLimit", tree.level + 1
    FROM "Account" c JOIN tree ON c."parentAccountId" = tree.id
    WHERE tree.level < 2 AND c.status = 'NORMAL' AND c."environmentId" = $2::uuid
  )
  SELECT tree.id, tree."parentAccountId", tree.status::text AS status, tree.balance, tree."creditLimit",
         tree.level, p.currency
  FROM tree JOIN "Program" p ON p.id = tree."programId"
  ORDER BY tree.level, tree.id`;

export interface RelatedAccountRow {
  id: string;
  parentAccountId: string | null;
  status: AccountStatus;
  balance: bigint;
  creditLimit: bigint;
  level: number;
  currency: string;
}

/** If-Match: a stale version is refused with the current one. */
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
