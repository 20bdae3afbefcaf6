import { DomainFailure } from '../../common/failures.js';
import type { StatusChangeKind } from '../../generated/prisma/enums.js';
import {
  accountStatusSnapshot,
  allowedTransitions,
  can,
  endTimeRefusal,
  eventForTargetStatus,
  rollbackRestores,
  statusOf,
  transitionStatus,
  type AccountStatus,
  type AccountStatusEvent,
  type AccountStatusSnapshot,
  type NonFinalAccountStatus,
} from '../../machines/account-status.js';
import { temporaryBlockExpiredReason } from '../../machines/status-reasons.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { eventInsertSql } from '../events.js';
import { checkReasonFor, systemReason } from '../status-reasons.js';
import type { Actor, Tenant } from '../tenant.js';
import type { Sql } from '../sql.js';
import { inTransaction, type Tx } from '../transactions.js';
import { checkVersion, lockAccount, readAccountState, type AccountState } from './lock.js';
import type { AccountRecord } from './records.js';

// Account status changes in the database: the machine decides each one on the locked row, and it
// is written with its audit row and its event (services/events.ts) in one statement or transaction.

/** The durable timers that end temporary blocks; processes/temporary-blocks.ts runs them on Temporal. */
export interface TemporaryBlocks {
  /**
   * Starts the timer of a block, or keeps the run of it still open; called while the block is being
   * stored, before it commits.
   */
  schedule(tenant: Tenant, accountId: string, until: Date): Promise<void>;
  /** Stops the timer of a block the account has left; best effort. */
  cancel(accountId: string, until: Date): Promise<void>;
}

export interface StatusChangeRequest {
  status: AccountStatus;
  reasonId?: string;
  description?: string;
  /** The end of the status, for a status that may end by itself (a temporary block) */
  until?: Date;
  /** From If-Match */
  expectedVersion?: number;
}

export interface RollbackRequest {
  status?: NonFinalAccountStatus;
  /** Replaces the reason of the status a rollback restores */
  reasonId?: string;
  /** Replaces the description of the status a rollback restores */
  description?: string;
  expectedVersion?: number;
}

/** What the status an account moves to carries. */
interface StatusDetails {
  reasonId?: string;
  description?: string;
  /** The end of the status, for a status that may end by itself (a temporary block) */
  until?: Date;
  /** The history entry whose status a rollback restored */
  restoredChangeId?: bigint;
}

interface StatusChange {
  kind: StatusChangeKind;
  /** The event to send, or null to leave the account as it is */
  decide: (account: AccountState, snapshot: AccountStatusSnapshot) => AccountStatusEvent | null;
  /** Given, or worked out once the machine has decided the event */
  details:
    | StatusDetails
    | ((
        db: Db,
        account: AccountState,
        snapshot: AccountStatusSnapshot,
        event: AccountStatusEvent,
      ) => Promise<StatusDetails>);
  expectedVersion?: number;
  /** Names the change so running it again (a retried activity) finds it made */
  operationId?: string;
}

/**
 * The history entry that gave a cancelled account the status it was cancelled from: the entry
 * before its cancellation, which is its latest. None when it still had the status it was opened
 * with.
 */
async function entryCancelledFrom(db: Db, accountId: string) {
  const [, before] = await db.accountStatusChange.findMany({
    where: { accountId },
    orderBy: { accountVersion: 'desc' },
    take: 2,
    select: { id: true, reasonId: true, description: true, blockedUntil: true },
  });
  return before;
}

/** The event each kind of status change is. */
const statusEventTypes = {
  CHANGE: 'account.status_changed',
  ROLLBACK: 'account.status_rolled_back',
  AUTOMATIC_UNBLOCK: 'account.temporary_block_lifted',
} as const satisfies Record<StatusChangeKind, string>;

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

/** Where one attempt at a change reads the account and writes: plainly, or in a locking transaction. */
interface Attempt {
  read: () => Promise<AccountState>;
  db: Db;
  run: <Row>(name: string, statement: Prisma.Sql) => Promise<Row[]>;
}

type Db = Pick<PrismaClient, 'accountStatusChange' | 'accountStatusReason'>;

interface Outcome {
  changed: boolean;
  previous: AccountState;
  account: AccountRecord;
}

export function createAccountStatusChanges({
  prisma,
  sql,
  temporaryBlocks,
}: {
  prisma: PrismaClient;
  sql: Sql;
  temporaryBlocks: TemporaryBlocks;
}) {
  /**
   * The one path every status change takes: read the account, check the version, let the machine
   * decide, check the reason, then one statement writes the change and its audit row if the
   * account is still at the version read. The first attempt takes no lock and no transaction (two
   * statements); only when another write landed in between does it run again holding the row lock,
   * queued behind the other writers, so a busy account's changes are still decided one after the
   * other on the latest state and the version chain never forks. (A rollback always holds the
   * lock: it may lift the block it restores in the same transaction.)
   */
  async function apply(
    tenant: Tenant,
    accountId: string,
    change: StatusChange,
    actor: Actor,
  ): Promise<Outcome> {
    const unlocked = await attempt(tenant, change, actor, {
      read: () => readAccountState(sql, tenant, accountId),
      db: prisma,
      run: (name, statement) => sql.query(name, statement),
    });
    if (unlocked) return unlocked;
    return inTransaction(prisma, (tx) => applyLocked(tx, tenant, accountId, change, actor));
  }

  /** A change decided and written holding the account's row lock, in the caller's transaction. */
  async function applyLocked(
    tx: Tx,
    tenant: Tenant,
    accountId: string,
    change: StatusChange,
    actor: Actor,
  ): Promise<Outcome> {
    const locked = await attempt(tenant, change, actor, {
      read: () => lockAccount(tx, tenant, accountId),
      db: tx,
      run: (_name, statement) => tx.$queryRaw(statement),
    });
    if (!locked)
      throw new DomainFailure('CONFLICT', 'the account changed during the request; retry it');
    return locked;
  }

  /** One attempt; undefined when the account moved past the version it read. */
  async function attempt(
    tenant: Tenant,
    change: StatusChange,
    actor: Actor,
    { read, db, run }: Attempt,
  ): Promise<Outcome | undefined> {
    const account = await read();
    const unchanged = { changed: false, previous: account, account };
    if (change.operationId) {
      const done = await db.accountStatusChange.findFirst({
        where: { accountId: account.id, operationId: change.operationId },
        select: { id: true },
      });
      if (done) return { ...unchanged, changed: true };
    }
    checkVersion(account, change.expectedVersion);
    const snapshot = accountStatusSnapshot(account.status, account.statusBeforeCancellation);
    const event = change.decide(account, snapshot);
    if (!event) return unchanged;
    const next = transitionStatus(snapshot, event);
    if (!next) throw refuse(snapshot, event.type);
    const to = statusOf(next);
    const details =
      typeof change.details === 'function'
        ? await change.details(db, account, snapshot, event)
        : change.details;
    const reason = await checkReasonFor(
      db,
      tenant,
      to,
      details.reasonId,
      account.statusReasonRequiredFor,
    );

    const after: AccountRecord = {
      ...account,
      status: to,
      statusReason: reason,
      statusDescription: details.description ?? null,
      statusChangedAt: new Date(),
      statusBeforeCancellation: next.context.statusBeforeCancellation,
      blockedUntil: can(to, 'mayCarryEndTime') ? (details.until ?? null) : null,
      version: account.version + 1,
    };
    // The timer starts before the block commits: if Temporal refuses, nothing is written. A timer
    // left by a failed commit, or armed for a restored block the rollback lifts at once, finds no
    // matching block at expiry and does nothing.
    if (after.blockedUntil) await temporaryBlocks.schedule(tenant, account.id, after.blockedUntil);
    // The change's event, written by the same statement and only when the change is
    const recordEvent = eventInsertSql(
      {
        type: statusEventTypes[change.kind],
        key: `account:${account.id}:v${after.version}`,
        orgId: tenant.orgId,
        environmentId: tenant.environmentId,
        subjectType: 'account',
        subjectId: account.id,
        occurredAt: after.statusChangedAt,
        payload: {
          accountId: account.id,
          from: account.status,
          to: after.status,
          reason: after.statusReason
            ? { id: after.statusReason.id, code: after.statusReason.code }
            : null,
          description: after.statusDescription,
          blockedUntil: after.blockedUntil?.toISOString() ?? null,
          accountVersion: after.version,
        },
      },
      Prisma.sql`FROM changed`,
    );
    const written = await run<{ id: bigint }>(
      'account-status-change',
      Prisma.sql`
        WITH changed AS (
          UPDATE "Account" SET
            status = ${after.status}::"AccountStatus",
            "statusReasonId" = ${after.statusReason?.id ?? null}::uuid,
            "statusDescription" = ${after.statusDescription}::text,
            "statusChangedAt" = ${after.statusChangedAt}::timestamptz,
            "statusBeforeCancellation" = ${after.statusBeforeCancellation}::"AccountStatus",
            "blockedUntil" = ${after.blockedUntil}::timestamptz,
            version = ${after.version}::int,
            "updatedAt" = ${after.statusChangedAt}::timestamptz
          WHERE id = ${account.id}::uuid AND version = ${account.version}::int
          RETURNING id
        ),
        recorded AS (${recordEvent})
        INSERT INTO "AccountStatusChange"
          ("orgId", "environmentId", "accountId", kind, "fromStatus", "toStatus", "reasonId",
           description, "blockedUntil", "accountVersion", actor, "requestId", "operationId",
           "restoredChangeId", "createdAt")
        SELECT ${tenant.orgId}::uuid, ${tenant.environmentId}::uuid, changed.id,
          ${change.kind}::"StatusChangeKind", ${account.status}::"AccountStatus",
          ${after.status}::"AccountStatus", ${after.statusReason?.id ?? null}::uuid,
          ${after.statusDescription}::text, ${after.blockedUntil}::timestamptz, ${after.version}::int,
          ${actor.actor}::text, ${actor.requestId ?? null}::text, ${change.operationId ?? null}::text,
          ${details.restoredChangeId ?? null}::bigint, ${after.statusChangedAt}::timestamptz
        FROM changed
        RETURNING id`,
    );
    return written.length === 1 ? { changed: true, previous: account, account: after } : undefined;
  }

  /** The automatic end of the temporary block until `until`, if the account is still in it. */
  function temporaryBlockExpiry(tenant: Tenant, until: Date): StatusChange {
    return {
      kind: 'AUTOMATIC_UNBLOCK',
      decide: (account) =>
        account.blockedUntil?.getTime() === until.getTime() ? { type: 'UNBLOCK' } : null,
      details: async (db) => ({
        reasonId: await systemReason(db, tenant, temporaryBlockExpiredReason),
        description: `Temporary block until ${until.toISOString()} ended`,
      }),
      operationId: `temporary-block-expiry:${until.toISOString()}`,
    };
  }

  /** After a change: the timer of a block the account has left is stopped (it re-checks anyway). */
  async function stopLeftBlockTimer(previous: AccountState, newUntil: Date | undefined) {
    if (previous.blockedUntil && previous.blockedUntil.getTime() !== newUntil?.getTime()) {
      await temporaryBlocks.cancel(previous.id, previous.blockedUntil);
    }
  }

  return {
    /** The change the API names by its target status; `until` only for a status that may end by itself. */
    async change(
      tenant: Tenant,
      accountId: string,
      request: StatusChangeRequest,
      actor: Actor,
    ): Promise<AccountRecord> {
      const { until } = request;
      const refusal = endTimeRefusal(request.status, until, Date.now());
      if (refusal) throw DomainFailure.invalid([refusal]);
      const { changed, previous, account } = await apply(
        tenant,
        accountId,
        {
          kind: 'CHANGE',
          decide: (_account, snapshot) => {
            const event = eventForTargetStatus(snapshot, request.status);
            if (!event) throw refuse(snapshot, `a change to ${request.status}`);
            return event;
          },
          details: { reasonId: request.reasonId, description: request.description, until },
          expectedVersion: request.expectedVersion,
        },
        actor,
      );
      if (changed) await stopLeftBlockTimer(previous, until);
      return account;
    },

    /**
     * Recovers the account to the status it had before it was cancelled, as it was (its reason and
     * description unless the request gives others, and its end), or to the status named. A
     * restored temporary block whose end passed while the account was cancelled is lifted in the
     * same transaction, as its timer would have lifted it; one still running has its timer again.
     */
    async rollback(
      tenant: Tenant,
      accountId: string,
      request: RollbackRequest,
      actor: Actor,
    ): Promise<AccountRecord> {
      const given = { reasonId: request.reasonId, description: request.description };
      const rollback: StatusChange = {
        kind: 'ROLLBACK',
        decide: () =>
          request.status ? { type: 'ROLLBACK', to: request.status } : { type: 'ROLLBACK' },
        details: async (db, account, snapshot, event) => {
          if (!rollbackRestores(snapshot, event)) return given;
          const restored = await entryCancelledFrom(db, account.id);
          return {
            reasonId: given.reasonId ?? restored?.reasonId ?? undefined,
            description: given.description ?? restored?.description ?? undefined,
            until: restored?.blockedUntil ?? undefined,
            restoredChangeId: restored?.id,
          };
        },
        expectedVersion: request.expectedVersion,
      };
      return inTransaction(prisma, async (tx) => {
        const { account } = await applyLocked(tx, tenant, accountId, rollback, actor);
        const until = account.blockedUntil;
        if (!until || until > account.statusChangedAt) return account;
        const expiry = temporaryBlockExpiry(tenant, until);
        return (await applyLocked(tx, tenant, accountId, expiry, { actor: 'system' })).account;
      });
    },

    /**
     * Ends a temporary block that reached its end time, if the account is still in that block.
     * A retry after its own success finds the change it made and answers as it did.
     */
    async expireTemporaryBlock(
      tenant: Tenant,
      accountId: string,
      until: Date,
    ): Promise<'unblocked' | 'skipped'> {
      const { changed } = await apply(tenant, accountId, temporaryBlockExpiry(tenant, until), {
        actor: 'system',
      });
      return changed ? 'unblocked' : 'skipped';
    },
  };
}
