import { assign, setup, transition, type SnapshotFrom } from 'xstate';
import type { FieldIssue } from '../common/failures.js';

// Account status (seed: "Account status"). Every account starts NORMAL. NORMAL allows cash-in and
// cash-out. BLOCKED allows cash-in only and is temporary: it goes back to NORMAL or on to
// CANCELLED (or is blocked again, to change the block's end time or reason). CANCELLED allows
// neither and is final: the only way out is an explicit rollback, which restores the status the
// account had before it was cancelled (as it was: its reason, description and end), or a
// non-final status the caller names.
//
// What an account may do in each status is the state's meta (`capabilities`): the services, the
// SQL of the related-accounts overview and the diagram all read it from here.
// Pure: no I/O, no clock.

export const accountStatuses = ['NORMAL', 'BLOCKED', 'CANCELLED'] as const;
export type AccountStatus = (typeof accountStatuses)[number];
export type NonFinalAccountStatus = Exclude<AccountStatus, 'CANCELLED'>;

/** The ordinary events: each one leads to one status. A rollback is the way out of CANCELLED. */
export type OrdinaryStatusEvent = { type: 'BLOCK' } | { type: 'UNBLOCK' } | { type: 'CANCEL' };
export type AccountStatusEvent =
  OrdinaryStatusEvent | { type: 'ROLLBACK'; to?: NonFinalAccountStatus };

export interface AccountStatusContext {
  /** What a rollback restores when the caller names no status */
  statusBeforeCancellation: NonFinalAccountStatus | null;
}

/** What an account may do, or be, in a status. */
export interface AccountCapabilities {
  /** Money may come in */
  cashIn: boolean;
  /** Money may go out */
  cashOut: boolean;
  /** Other accounts may be linked under it */
  mayBeParent: boolean;
  /** It may move to another program */
  mayMigrate: boolean;
  /** It shows in its parent's and grandparent's related-accounts overview ("active") */
  appearsInRelatedOverview: boolean;
  /** It may carry an end time, after which it goes back by itself (a temporary block) */
  mayCarryEndTime: boolean;
}

export type AccountCapability = keyof AccountCapabilities;

export interface AccountStatusMeta {
  description: string;
  /** No ordinary transition leaves this status; only a rollback does */
  final: boolean;
  /** The ordinary event a change to this status is: what the API's "change to X" means */
  reachedBy: OrdinaryStatusEvent['type'];
  capabilities: AccountCapabilities;
}

export const accountStatusMachine = setup({
  types: {
    context: {} as AccountStatusContext,
    events: {} as AccountStatusEvent,
    meta: {} as AccountStatusMeta,
  },
  guards: {
    rollbackRestoresBlocked: ({ context, event }) =>
      event.type === 'ROLLBACK' &&
      (event.to ?? context.statusBeforeCancellation ?? 'NORMAL') === 'BLOCKED',
    rollbackRestoresNormal: ({ context, event }) =>
      event.type === 'ROLLBACK' &&
      (event.to ?? context.statusBeforeCancellation ?? 'NORMAL') === 'NORMAL',
  },
  actions: {
    rememberStatusBeforeCancellation: assign({
      statusBeforeCancellation: (_, params: { status: NonFinalAccountStatus }) => params.status,
    }),
    forgetStatusBeforeCancellation: assign({ statusBeforeCancellation: null }),
  },
}).createMachine({
  id: 'accountStatus',
  initial: 'NORMAL',
  context: { statusBeforeCancellation: null },
  states: {
    NORMAL: {
      meta: {
        description:
          'Account is active. Allows both cash-in and cash-out, based on account limits.',
        final: false,
        reachedBy: 'UNBLOCK',
        capabilities: {
          cashIn: true,
          cashOut: true,
          mayBeParent: true,
          mayMigrate: true,
          appearsInRelatedOverview: true,
          mayCarryEndTime: false,
        },
      },
      on: {
        BLOCK: { target: 'BLOCKED' },
        CANCEL: {
          target: 'CANCELLED',
          actions: { type: 'rememberStatusBeforeCancellation', params: { status: 'NORMAL' } },
        },
      },
    },
    BLOCKED: {
      meta: {
        description:
          'Account is blocked. Allows cash-in only. Temporary: it can go back to NORMAL or on to CANCELLED.',
        final: false,
        reachedBy: 'BLOCK',
        capabilities: {
          cashIn: true,
          cashOut: false,
          mayBeParent: true,
          mayMigrate: true,
          appearsInRelatedOverview: false,
          mayCarryEndTime: true,
        },
      },
      on: {
        // Blocking a blocked account again changes the block (its end time, its reason)
        BLOCK: { target: 'BLOCKED', reenter: true },
        UNBLOCK: { target: 'NORMAL' },
        CANCEL: {
          target: 'CANCELLED',
          actions: { type: 'rememberStatusBeforeCancellation', params: { status: 'BLOCKED' } },
        },
      },
    },
    CANCELLED: {
      meta: {
        description:
          'Account is cancelled. No cash-in or cash-out. Final: only a rollback recovers it.',
        final: true,
        reachedBy: 'CANCEL',
        capabilities: {
          cashIn: false,
          cashOut: false,
          mayBeParent: false,
          mayMigrate: false,
          appearsInRelatedOverview: false,
          mayCarryEndTime: false,
        },
      },
      on: {
        ROLLBACK: [
          {
            guard: 'rollbackRestoresBlocked',
            target: 'BLOCKED',
            actions: 'forgetStatusBeforeCancellation',
          },
          {
            guard: 'rollbackRestoresNormal',
            target: 'NORMAL',
            actions: 'forgetStatusBeforeCancellation',
          },
        ],
      },
    },
  },
});

type AccountStatusMachine = typeof accountStatusMachine;
export type AccountStatusSnapshot = SnapshotFrom<AccountStatusMachine>;

// The machine is pure and has few snapshots (a status and the one a rollback restores): each is
// resolved once and each of its transitions computed once, then reused. Every status change asks
// the machine, and an xstate transition builds a fresh actor scope each time it runs.
const snapshots = new Map<string, AccountStatusSnapshot>();
const transitions = new WeakMap<AccountStatusSnapshot, Map<string, AccountStatusSnapshot | null>>();

/** The machine positioned where a stored account is. */
export function accountStatusSnapshot(
  status: AccountStatus,
  statusBeforeCancellation: AccountStatus | null = null,
): AccountStatusSnapshot {
  const before = statusBeforeCancellation === 'CANCELLED' ? null : statusBeforeCancellation;
  const key = `${status}:${before}`;
  let snapshot = snapshots.get(key);
  if (!snapshot) {
    snapshot = accountStatusMachine.resolveState({
      value: status,
      context: { statusBeforeCancellation: before },
    });
    snapshots.set(key, snapshot);
  }
  return snapshot;
}

export function statusOf(snapshot: AccountStatusSnapshot): AccountStatus {
  return snapshot.value;
}

function statusMeta(status: AccountStatus): AccountStatusMeta {
  const meta = accountStatusMachine.states[status]?.config.meta;
  if (!meta) throw new Error(`status ${status} has no meta`);
  return meta;
}

/** Whether an account in `status` may do or be `capability`: the machine's word on it. */
export function can(status: AccountStatus, capability: AccountCapability): boolean {
  return statusMeta(status).capabilities[capability];
}

/** The statuses that have `capability`, e.g. those that show in a related-accounts overview. */
export function statusesThat(capability: AccountCapability): AccountStatus[] {
  return accountStatuses.filter((status) => can(status, capability));
}

/**
 * Why a change to `status` may not carry the end time `until` (at `now`), if it may not: only a
 * status that ends by itself (a temporary block) carries one, and it must be in the future.
 */
export function endTimeRefusal(
  status: AccountStatus,
  until: Date | undefined,
  now: number,
): FieldIssue | undefined {
  if (!until) return undefined;
  if (!can(status, 'mayCarryEndTime'))
    return {
      field: 'until',
      rule: 'only_for_blocked',
      message: `is only allowed with a status that ends by itself (${statusesThat('mayCarryEndTime').join(', ')})`,
    };
  if (until.getTime() <= now)
    return { field: 'until', rule: 'must_be_future', message: 'must be in the future' };
  return undefined;
}

/** The snapshot an event leads to, or undefined if the machine refuses the event. */
export function transitionStatus(
  snapshot: AccountStatusSnapshot,
  event: AccountStatusEvent,
): AccountStatusSnapshot | undefined {
  let known = transitions.get(snapshot);
  if (!known) transitions.set(snapshot, (known = new Map<string, AccountStatusSnapshot | null>()));
  const key = event.type === 'ROLLBACK' ? `ROLLBACK:${event.to ?? ''}` : event.type;
  let next = known.get(key);
  if (next === undefined) {
    next = snapshot.can(event) ? transition(accountStatusMachine, snapshot, event)[0] : null;
    known.set(key, next);
  }
  return next ?? undefined;
}

/**
 * Whether an event is a rollback to the status the account was cancelled from: such a rollback
 * restores that status as it was (its reason, description and end), where a rollback to another
 * status starts that status afresh.
 */
export function rollbackRestores(
  snapshot: AccountStatusSnapshot,
  event: AccountStatusEvent,
): boolean {
  const before = snapshot.context.statusBeforeCancellation;
  return event.type === 'ROLLBACK' && before !== null && nextStatus(snapshot, event) === before;
}

/** The status an event leads to from this snapshot, or undefined if the machine refuses it. */
export function nextStatus(
  snapshot: AccountStatusSnapshot,
  event: AccountStatusEvent,
): AccountStatus | undefined {
  const next = transitionStatus(snapshot, event);
  return next && statusOf(next);
}

export interface AllowedTransition {
  event: AccountStatusEvent['type'];
  to: AccountStatus;
}

/** Every status change the machine allows from this snapshot, from the events its state handles. */
export function allowedTransitions(snapshot: AccountStatusSnapshot): AllowedTransition[] {
  const allowed: AllowedTransition[] = [];
  for (const type of Object.keys(
    accountStatusMachine.states[statusOf(snapshot)]?.config.on ?? {},
  )) {
    const events: AccountStatusEvent[] =
      type === 'ROLLBACK'
        ? [{ type }, { type, to: 'NORMAL' }, { type, to: 'BLOCKED' }]
        : [{ type: type as OrdinaryStatusEvent['type'] }];
    for (const event of events) {
      const to = nextStatus(snapshot, event);
      if (to && !allowed.some((t) => t.event === event.type && t.to === to))
        allowed.push({ event: event.type, to });
    }
  }
  return allowed;
}

/** The ordinary event a change to `target` is, if the machine allows it from this snapshot. */
export function eventForTargetStatus(
  snapshot: AccountStatusSnapshot,
  target: AccountStatus,
): OrdinaryStatusEvent | undefined {
  const event: OrdinaryStatusEvent = { type: statusMeta(target).reachedBy };
  return nextStatus(snapshot, event) === target ? event : undefined;
}
