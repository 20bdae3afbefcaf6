import { randomUUID } from 'node:crypto';
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
import { Problem } from '../server/problem.js';
import { isUniqueViolation } from './prisma-errors.js';
import { checkReasonFor, systemReason, temporaryBlockExpiredReason } from './status-reasons.js';
import type { TemporaryBlocks } from './temporary-blocks.js';
import type { Actor, Tenant } from './tenant.js';

export type Owner =
  | { person: { name: string; documentNumber: string; birthDate?: string } }
  | { company: { legalName: string; documentNumber: string; incorporationDate?: string } };

export interface NewAccount {
  programId: string;
  owner: Owner;
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
  currency: string;
  statusReasonRequiredFor: AccountStatus[];
}

type Tx = Prisma.TransactionClient;

const accountInclude = {
  program: { select: { id: true, name: true, type: true, cardNetwork: true, currency: true } },
  statusReason: { select: { id: true, code: true, description: true } },
  customers: {
    where: { role: 'HOLDER' },
    select: { role: true, customer: { select: { id: true, kind: true, name: true, documentNumber: true } } },
  },
} satisfies Prisma.AccountInclude;

export type AccountRecord = Prisma.AccountGetPayload<{ include: typeof accountInclude }>;

export function createAccountService(deps: { prisma: PrismaClient; temporaryBlocks: TemporaryBlocks }) {
  const { prisma, temporaryBlocks } = deps;

  async function get(tenant: Tenant, id: string): Promise<AccountRecord> {
    const account = await prisma.account.findFirst({
      where: { id, environmentId: tenant.environmentId },
      include: accountInclude,
    });
    if (!account) throw Problem.notFound(`account ${id}`);
    return account;
  }

  /** Locks the account row for the rest of the transaction; concurrent writers queue behind it. */
  async function lock(tx: Tx, tenant: Tenant, id: string): Promise<LockedAccount> {
    const rows = await tx.$queryRaw<LockedAccount[]>`
      SELECT a.id, a.status::text AS status, a."statusBeforeCancellation"::text AS "statusBeforeCancellation",
             a."blockedUntil", a.version, a.balance, p.currency,
             e."statusReasonRequiredFor"::text[] AS "statusReasonRequiredFor"
      FROM "Account" a
      JOIN "Program" p ON p.id = a."programId"
      JOIN "Environment" e ON e.id = a."environmentId"
      WHERE a.id = ${id}::uuid AND a."environmentId" = ${tenant.environmentId}::uuid
      FOR UPDATE OF a`;
    const row = rows[0];
    if (!row) throw Problem.notFound(`account ${id}`);
    return { ...row, statusReasonRequiredFor: row.statusReasonRequiredFor ?? [] };
  }

  function checkVersion(account: LockedAccount, expectedVersion: number | undefined): void {
    if (expectedVersion !== undefined && expectedVersion !== account.version) {
      throw new Problem(
        'PRECONDITION_FAILED',
        `the account changed since version ${expectedVersion}; it is now at version ${account.version}`,
        { currentVersion: account.version, etag: etagOf(account.version) },
      );
    }
  }

  function refuse(snapshot: AccountStatusSnapshot, what: string): Problem {
    return new Problem('TRANSITION_NOT_ALLOWED', `${what} is not allowed from status ${statusOf(snapshot)}`, {
      currentStatus: statusOf(snapshot),
      allowedTransitions: allowedTransitions(snapshot),
    });
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
  }

  /**
   * The one path every status change takes: lock the row, check the version, let the machine
   * decide, check the reason, then a version-checked UPDATE and its audit row in one transaction.
   */
  async function applyStatusChange(tenant: Tenant, accountId: string, change: StatusChange, actor: Actor) {
    return prisma.$transaction(async (tx) => {
      const account = await lock(tx, tenant, accountId);
      checkVersion(account, change.expectedVersion);
      const snapshot = accountStatusSnapshot(account.status, account.statusBeforeCancellation);
      const event = change.decide(account, snapshot);
      if (!event) return { changed: false as const, previous: account };
      const next = transitionStatus(snapshot, event);
      if (!next) throw refuse(snapshot, event.type);
      const to = statusOf(next);
      const reasonId = typeof change.reasonId === 'function' ? await change.reasonId(tx) : change.reasonId;
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
      if (updated.count !== 1) throw new Problem('CONFLICT', 'the account changed during the request; retry it');
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
    get,

    async create(tenant: Tenant, input: NewAccount): Promise<AccountRecord> {
      const program = await prisma.program.findFirst({ where: { id: input.programId, environmentId: tenant.environmentId } });
      if (!program) {
        throw Problem.validation([{ field: 'body.programId', rule: 'unknown_program', message: 'is not a program of this org' }]);
      }
      const owner = ownerCustomer(input.owner);
      const accountId = randomUUID();
      const create = () =>
        prisma.$transaction(async (tx) => {
          const customer = await tx.customer.upsert({
            where: { environmentId_documentNumber: { environmentId: tenant.environmentId, documentNumber: owner.documentNumber } },
            create: { id: randomUUID(), ...tenant, ...owner },
            update: {},
          });
          if (customer.kind !== owner.kind) {
            throw Problem.validation([
              {
                field: `body.owner.${owner.kind === 'PERSON' ? 'person' : 'company'}.documentNumber`,
                rule: 'customer_kind_mismatch',
                message: `belongs to an existing ${customer.kind.toLowerCase()} customer`,
              },
            ]);
          }
          await tx.account.create({ data: { id: accountId, ...tenant, programId: program.id } });
          await tx.accountCustomer.create({ data: { accountId, customerId: customer.id, ...tenant, role: 'HOLDER' } });
        });
      try {
        await create();
      } catch (error) {
        // Two first accounts of one new customer raced on its document number; the loser retries
        // and finds the customer the winner created.
        if (!isUniqueViolation(error)) throw error;
        await create();
      }
      return get(tenant, accountId);
    },

    async changeStatus(tenant: Tenant, accountId: string, request: StatusChangeRequest, actor: Actor) {
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
          beforeCommit: until ? () => temporaryBlocks.schedule(tenant, accountId, until) : undefined,
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
              throw new Problem('TRANSITION_NOT_ALLOWED', `only a CANCELLED account can be rolled back; this one is ${statusOf(snapshot)}`, {
                currentStatus: statusOf(snapshot),
                allowedTransitions: allowedTransitions(snapshot),
              });
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
    async expireTemporaryBlock(tenant: Tenant, accountId: string, until: Date): Promise<'unblocked' | 'skipped'> {
      const { changed } = await applyStatusChange(
        tenant,
        accountId,
        {
          kind: 'AUTOMATIC_UNBLOCK',
          decide: (account) =>
            account.status === 'BLOCKED' && account.blockedUntil?.getTime() === until.getTime() ? { type: 'UNBLOCK' } : null,
          reasonId: (tx) => systemReason(tx, tenant, temporaryBlockExpiredReason),
          description: `Temporary block until ${until.toISOString()} ended`,
        },
        { actor: 'system' },
      );
      return changed ? 'unblocked' : 'skipped';
    },

    async statusHistory(tenant: Tenant, accountId: string, page: { limit: number; after?: bigint }) {
      await get(tenant, accountId);
      return prisma.accountStatusChange.findMany({
        where: { accountId, environmentId: tenant.environmentId, ...(page.after ? { id: { gt: page.after } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        include: { reason: { select: { id: true, code: true } } },
      });
    },

    /** Cash-in or cash-out: allowed or refused by the status alone, as the machine says. */
    async moveMoney(tenant: Tenant, accountId: string, movement: MoneyMovement, actor: Actor) {
      const result = await prisma.$transaction(async (tx) => {
        const account = await lock(tx, tenant, accountId);
        if (movement.currency !== account.currency) {
          throw Problem.validation([
            { field: 'body.currency', rule: 'currency_mismatch', message: `must be ${account.currency}, the currency of the account's program` },
          ]);
        }
        const operation = movement.type === 'CASH_IN' ? 'cashIn' : 'cashOut';
        if (!operationAllowed(account.status, operation)) {
          throw new Problem('OPERATION_NOT_ALLOWED', `${movement.type} is not allowed while the account is ${account.status}`, {
            currentStatus: account.status,
            operation: movement.type,
          });
        }
        const amount = BigInt(movement.amount);
        const balance = movement.type === 'CASH_IN' ? account.balance + amount : account.balance - amount;
        if (balance < 0n) {
          throw new Problem('INSUFFICIENT_FUNDS', `the balance ${account.balance} is less than ${movement.amount}`, {
            balance: Number(account.balance),
          });
        }
        await tx.account.update({ where: { id: account.id }, data: { balance, version: account.version + 1 } });
        return tx.accountTransaction.create({
          data: {
            id: randomUUID(),
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

export function etagOf(version: number): string {
  return `"v${version}"`;
}

function ownerCustomer(owner: Owner) {
  if ('person' in owner) {
    return {
      kind: 'PERSON' as const,
      name: owner.person.name,
      documentNumber: owner.person.documentNumber,
      birthDate: owner.person.birthDate ? new Date(`${owner.person.birthDate}T00:00:00Z`) : null,
    };
  }
  return {
    kind: 'COMPANY' as const,
    name: owner.company.legalName,
    documentNumber: owner.company.documentNumber,
    incorporationDate: owner.company.incorporationDate ? new Date(`${owner.company.incorporationDate}T00:00:00Z`) : null,
  };
}
