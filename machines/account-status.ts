import { assign, setup, transition, type SnapshotFrom } from 'xstate';

// Account status (seed: "Account status"). Every account starts NORMAL. NORMAL allows cash-in and
// cash-out. BLOCKED allows cash-in only and is temporary: it goes back to NORMAL or on to
// CANCELLED (or is blocked again, to change the block's end time or reason). CANCELLED allows
// neither and is final: the only way out is an explicit rollback, which restores the status the
// account had before it was cancelled, or a non-final status the caller names.
// Pure: no I/O, no clock.

export const accountStatuses = ['NORMAL', 'BLOCKED', 'CANCELLED'] as const;
export type AccountStatus = (typeof accountStatuses)[number];
export type NonFinalAccountStatus = Exclude<AccountStatus, 'CANCELLED'>;

export type AccountStatusEvent =
  | { type: 'BLOCK' }
  | { type: 'UNBLOCK' }
  | { type: 'CANCEL' }
  | { type: 'ROLLBACK'; to?: NonFinalAccountStatus };

export interface AccountStatusContext {
  /** What a rollback restores when the caller names no status */
  statusBeforeCancellation: NonFinalAccountStatus | null;
}

export type AccountOperation = 'cashIn' | 'cashOut';

export interface AccountStatusMeta {
  description: string;
  /** No ordinary transition leaves this status; only a rollback does */
  final: boolean;
  operations: Record<AccountOperation, boolean>;
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
        operations: { cashIn: true, cashOut: true },
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
        operations: { cashIn: true, cashOut: false },
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
        operations: { cashIn: false, cashOut: false },
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

export type AccountStatusMachine = typeof accountStatusMachine;
export type AccountStatusSnapshot = SnapshotFrom<AccountStatusMachine>;

/** The machine positioned where a stored account is. */
export function accountStatusSnapshot(
  status: AccountStatus,
  statusBeforeCancellation: AccountStatus | null = null,
): AccountStatusSnapshot {
  const before = statusBeforeCancellation === 'CANCELLED' ? null : statusBeforeCancellation;
  return accountStatusMachine.resolveState({
    value: status,
    context: { statusBeforeCancellation: before },
  });
}

export function statusOf(snapshot: AccountStatusSnapshot): AccountStatus {
  return snapshot.value;
}

export function statusMeta(status: AccountStatus): AccountStatusMeta {
  const meta = accountStatusMachine.states[status]?.config.meta;
  if (!meta) throw new Error(`status ${status} has no meta`);
  return meta;
}

/** Whether an operation (cash-in, cash-out) is allowed in a status: the machine's word on it. */
export function operationAllowed(status: AccountStatus, operation: AccountOperation): boolean {
  return statusMeta(status).operations[operation];
}

/** The snapshot an event leads to, or undefined if the machine refuses the event. */
export function transitionStatus(
  snapshot: AccountStatusSnapshot,
  event: AccountStatusEvent,
): AccountStatusSnapshot | undefined {
  if (!snapshot.can(event)) return undefined;
  const [next] = transition(accountStatusMachine, snapshot, event);
  return next;
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

const candidateEvents: AccountStatusEvent[] = [
  { type: 'BLOCK' },
  { type: 'UNBLOCK' },
  { type: 'CANCEL' },
  { type: 'ROLLBACK' },
  { type: 'ROLLBACK', to: 'NORMAL' },
  { type: 'ROLLBACK', to: 'BLOCKED' },
];

/** Every status change the machine allows from this snapshot. */
export function allowedTransitions(snapshot: AccountStatusSnapshot): AllowedTransition[] {
  const allowed: AllowedTransition[] = [];
  for (const event of candidateEvents) {
    const to = nextStatus(snapshot, event);
    if (to && !allowed.some((t) => t.event === event.type && t.to === to))
      allowed.push({ event: event.type, to });
  }
  return allowed;
}

/** The ordinary (non-rollback) event that moves this snapshot to `target`, if there is one. */
export function eventForTargetStatus(
  snapshot: AccountStatusSnapshot,
  target: AccountStatus,
): AccountStatusEvent | undefined {
  const ordinary: AccountStatusEvent[] = [
    { type: 'BLOCK' },
    { type: 'UNBLOCK' },
    { type: 'CANCEL' },
  ];
  return ordinary.find((event) => nextStatus(snapshot, event) === target);
}
