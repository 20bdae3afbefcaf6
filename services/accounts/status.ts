import { DomainFailure } from '../../common/failures.js';
import type { StatusChangeKind } from '../../generated/prisma/enums.js';
import {
  accountStatusSnapshot,
  allowedTransitions,
  can,
  endTimeRefusal,
  eventForTargetStatus,
  statusOf,
  transitionStatus,
  type AccountStatus,
  type AccountStatusEvent,
  type AccountStatusSnapshot,
  type NonFinalAccountStatus,
} from '../../machines/account-status.js';
import { temporaryBlockExpiredReason } from '../../machines/status-reasons.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { checkReasonFor, systemReason } from '../status-reasons.js';
import type { Actor, Tenant } from '../tenant.js';
import { inTransaction, type Tx } from '../transactions.js';
import { checkVersion, lockAccount, type LockedAccount } from './lock.js';

// Account status changes in the database: the machine decides each one on the locked row, and it
// is written with its audit row in one transaction.

/** The durable timers that end temporary blocks; processes/temporary-blocks.ts runs them on Temporal. */
export interface TemporaryBlocks {
  /** Starts the timer of a block; called while the block is being stored, before it commits. */
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
  reasonId?: string;
  description?: string;
  expectedVersion?: number;
}

interface StatusChange {
  kind: StatusChangeKind;
  /** The event to send, or null to leave the account as it is */
  decide: (account: LockedAccount, snapshot: AccountStatusSnapshot) => AccountStatusEvent | null;
  reasonId?: string | ((tx: Tx) => Promise<string>);
  description?: string;
  until?: Date;
  expectedVersion?: number;
  /** Runs with the row still locked, after every check and before the write commits */
  beforeCommit?: () => Promise<void>;
  /** Names the change so running it again (a retried activity) finds it made */
  operationId?: string;
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

export function createAccountStatusChanges({
  prisma,
  temporaryBlocks,
}: {
  prisma: PrismaClient;
  temporaryBlocks: TemporaryBlocks;
}) {
  /**
   * The one path every status change takes: lock the row, check the version, let the machine
   * decide, check the reason, then a version-checked UPDATE and its audit row in one transaction.
   */
  function apply(tenant: Tenant, accountId: string, change: StatusChange, actor: Actor) {
    return inTransaction(prisma, async (tx) => {
      const account = await lockAccount(tx, tenant, accountId);
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
      await change.beforeCommit?.();

      const version = account.version + 1;
      const now = new Date();
      const until = can(to, 'mayCarryEndTime') ? (change.until ?? null) : null;
      const updated = await tx.account.updateMany({
        where: { id: account.id, version: account.version },
        data: {
          status: to,
          statusReasonId: reasonId ?? null,
          statusDescription: change.description ?? null,
          statusChangedAt: now,
          statusBeforeCancellation: next.context.statusBeforeCancellation,
          blockedUntil: until,
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
          blockedUntil: until,
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

  return {
    /** The change the API names by its target status; `until` only for a status that may end by itself. */
    async change(
      tenant: Tenant,
      accountId: string,
      request: StatusChangeRequest,
      actor: Actor,
    ): Promise<void> {
      const { until } = request;
      const refusal = endTimeRefusal(request.status, until, Date.now());
      if (refusal) throw DomainFailure.invalid([refusal]);
      const { changed, previous } = await apply(
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
          until,
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
    },

    /** Recovers the account to the status it had before it was cancelled, or the one named. */
    async rollback(
      tenant: Tenant,
      accountId: string,
      request: RollbackRequest,
      actor: Actor,
    ): Promise<void> {
      await apply(
        tenant,
        accountId,
        {
          kind: 'ROLLBACK',
          decide: () =>
            request.status ? { type: 'ROLLBACK', to: request.status } : { type: 'ROLLBACK' },
          reasonId: request.reasonId,
          description: request.description,
          expectedVersion: request.expectedVersion,
        },
        actor,
      );
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
      const { changed } = await apply(
        tenant,
        accountId,
        {
          kind: 'AUTOMATIC_UNBLOCK',
          decide: (account) =>
            account.blockedUntil?.getTime() === until.getTime() ? { type: 'UNBLOCK' } : null,
          reasonId: (tx) => systemReason(tx, tenant, temporaryBlockExpiredReason),
          description: `Temporary block until ${until.toISOString()} ended`,
          operationId: `temporary-block-expiry:${until.toISOString()}`,
        },
        { actor: 'system' },
      );
      return changed ? 'unblocked' : 'skipped';
    },
  };
}
