import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getAdjacencyMap, getSimplePaths } from 'xstate/graph';
import {
  accountStatusMachine,
  accountStatusSnapshot,
  allowedTransitions,
  eventForTargetStatus,
  can,
  nextStatus,
  rollbackRestores,
  statusesThat,
  statusOf,
  type AccountCapabilities,
  type AccountStatus,
  type AccountStatusEvent,
} from '../../machines/account-status.js';

// The seed's rules, written down independently of the machine: NORMAL is active (cash-in and
// cash-out, shown among a parent's related accounts); BLOCKED takes cash-in only and is temporary
// (it may end by itself); CANCELLED takes nothing, may not be a parent nor move program.
const capabilities: Record<AccountStatus, AccountCapabilities> = {
  NORMAL: {
    cashIn: true,
    cashOut: true,
    mayBeParent: true,
    mayMigrate: true,
    appearsInRelatedOverview: true,
    mayCarryEndTime: false,
  },
  BLOCKED: {
    cashIn: true,
    cashOut: false,
    mayBeParent: true,
    mayMigrate: true,
    appearsInRelatedOverview: false,
    mayCarryEndTime: true,
  },
  CANCELLED: {
    cashIn: false,
    cashOut: false,
    mayBeParent: false,
    mayMigrate: false,
    appearsInRelatedOverview: false,
    mayCarryEndTime: false,
  },
};
const capabilitiesOf = (status: AccountStatus) =>
  Object.fromEntries(
    Object.keys(capabilities.NORMAL).map((name) => [
      name,
      can(status, name as keyof AccountCapabilities),
    ]),
  );

/** The expected next status, or undefined where the rules forbid the event. */
function expectedNext(
  status: AccountStatus,
  beforeCancellation: AccountStatus | null,
  event: AccountStatusEvent,
): AccountStatus | undefined {
  switch (event.type) {
    case 'BLOCK':
      return status === 'CANCELLED' ? undefined : 'BLOCKED';
    case 'UNBLOCK':
      return status === 'BLOCKED' ? 'NORMAL' : undefined;
    case 'CANCEL':
      return status === 'CANCELLED' ? undefined : 'CANCELLED';
    case 'ROLLBACK':
      return status === 'CANCELLED' ? (event.to ?? beforeCancellation ?? 'NORMAL') : undefined;
  }
}

const allEvents: AccountStatusEvent[] = [
  { type: 'BLOCK' },
  { type: 'UNBLOCK' },
  { type: 'CANCEL' },
  { type: 'ROLLBACK' },
  { type: 'ROLLBACK', to: 'NORMAL' },
  { type: 'ROLLBACK', to: 'BLOCKED' },
];

describe('account status machine', () => {
  it('creates every account NORMAL, allowing cash-in and cash-out', () => {
    const [snapshot] = initialTransition(accountStatusMachine);
    expect(statusOf(snapshot)).toBe('NORMAL');
    expect(can('NORMAL', 'cashIn')).toBe(true);
    expect(can('NORMAL', 'cashOut')).toBe(true);
  });

  it('allows cash-in only while BLOCKED and nothing while CANCELLED', () => {
    expect(can('BLOCKED', 'cashIn')).toBe(true);
    expect(can('BLOCKED', 'cashOut')).toBe(false);
    expect(can('CANCELLED', 'cashIn')).toBe(false);
    expect(can('CANCELLED', 'cashOut')).toBe(false);
  });

  it('names the statuses of each capability, as the services and the SQL read them', () => {
    expect(statusesThat('appearsInRelatedOverview')).toEqual(['NORMAL']);
    expect(statusesThat('mayCarryEndTime')).toEqual(['BLOCKED']);
    expect(statusesThat('mayBeParent')).toEqual(['NORMAL', 'BLOCKED']);
    expect(statusesThat('mayMigrate')).toEqual(['NORMAL', 'BLOCKED']);
  });

  it('rolls a cancelled account back to the status it had before cancellation', () => {
    let [snapshot] = initialTransition(accountStatusMachine);
    [snapshot] = transition(accountStatusMachine, snapshot, { type: 'BLOCK' });
    [snapshot] = transition(accountStatusMachine, snapshot, { type: 'CANCEL' });
    expect(snapshot.context.statusBeforeCancellation).toBe('BLOCKED');
    expect(nextStatus(snapshot, { type: 'ROLLBACK' })).toBe('BLOCKED');
    expect(nextStatus(snapshot, { type: 'ROLLBACK', to: 'NORMAL' })).toBe('NORMAL');
  });

  it('restores the status a rollback goes back to only when it is the one cancelled from', () => {
    const cancelledFromBlocked = accountStatusSnapshot('CANCELLED', 'BLOCKED');
    expect(rollbackRestores(cancelledFromBlocked, { type: 'ROLLBACK' })).toBe(true);
    expect(rollbackRestores(cancelledFromBlocked, { type: 'ROLLBACK', to: 'BLOCKED' })).toBe(true);
    expect(rollbackRestores(cancelledFromBlocked, { type: 'ROLLBACK', to: 'NORMAL' })).toBe(false);
    expect(rollbackRestores(accountStatusSnapshot('BLOCKED'), { type: 'BLOCK' })).toBe(false);
  });

  it('never lets CANCELLED go anywhere but through a rollback, nor a rollback to CANCELLED', () => {
    const cancelled = accountStatusSnapshot('CANCELLED', 'NORMAL');
    expect(allowedTransitions(cancelled).map((t) => t.event)).toEqual(['ROLLBACK', 'ROLLBACK']);
    expect(nextStatus(cancelled, { type: 'UNBLOCK' })).toBeUndefined();
    // @ts-expect-error a rollback goes back to a status that is not final: the type says so too
    expect(nextStatus(cancelled, { type: 'ROLLBACK', to: 'CANCELLED' })).toBeUndefined();
    expect(eventForTargetStatus(cancelled, 'NORMAL')).toBeUndefined();
  });

  it('maps a target status to the ordinary event that reaches it', () => {
    expect(eventForTargetStatus(accountStatusSnapshot('NORMAL'), 'BLOCKED')).toEqual({
      type: 'BLOCK',
    });
    expect(eventForTargetStatus(accountStatusSnapshot('BLOCKED'), 'NORMAL')).toEqual({
      type: 'UNBLOCK',
    });
    expect(eventForTargetStatus(accountStatusSnapshot('BLOCKED'), 'CANCELLED')).toEqual({
      type: 'CANCEL',
    });
    expect(eventForTargetStatus(accountStatusSnapshot('BLOCKED'), 'BLOCKED')).toEqual({
      type: 'BLOCK',
    });
    expect(eventForTargetStatus(accountStatusSnapshot('NORMAL'), 'NORMAL')).toBeUndefined();
  });

  it('every path the machine allows follows the rules, with capabilities matching the status at each step', () => {
    const paths = getSimplePaths(accountStatusMachine, { events: allEvents });
    expect(paths.length).toBeGreaterThan(5);
    const reached = new Set<string>();
    for (const path of paths) {
      let status: AccountStatus = 'NORMAL';
      let beforeCancellation: AccountStatus | null = null;
      for (const step of path.steps.slice(1)) {
        const event = step.event;
        const expected = expectedNext(status, beforeCancellation, event);
        expect(expected, `${event.type} from ${status}`).toBeDefined();
        const actual = statusOf(step.state);
        expect(actual).toBe(expected);
        beforeCancellation = actual === 'CANCELLED' ? status : null;
        status = actual;
        reached.add(status);
        expect(capabilitiesOf(status), status).toEqual(capabilities[status]);
      }
    }
    expect([...reached].sort()).toEqual(['BLOCKED', 'CANCELLED']);
  });

  it('every edge of the state graph follows the rules (including those back into NORMAL)', () => {
    const adjacency = getAdjacencyMap(accountStatusMachine, { events: allEvents });
    const targets = new Set<AccountStatus>();
    let edges = 0;
    for (const { state, transitions } of Object.values(adjacency)) {
      const from = statusOf(state);
      expect(capabilitiesOf(from), from).toEqual(capabilities[from]);
      for (const { event, state: next } of Object.values<{
        event: AccountStatusEvent;
        state: typeof state;
      }>(transitions)) {
        const expected = expectedNext(from, state.context.statusBeforeCancellation, event);
        // the graph also lists refused events, as self-loops that leave the snapshot unchanged
        if (expected === undefined) expect(next).toEqual(state);
        else {
          expect(statusOf(next), `${JSON.stringify(event)} from ${from}`).toBe(expected);
          targets.add(expected);
          edges++;
        }
      }
    }
    expect([...targets].sort()).toEqual(['BLOCKED', 'CANCELLED', 'NORMAL']);
    expect(edges).toBeGreaterThanOrEqual(7);
  });

  it('refuses exactly the events the rules forbid, from every status and history', () => {
    const positions: [AccountStatus, AccountStatus | null][] = [
      ['NORMAL', null],
      ['BLOCKED', null],
      ['CANCELLED', 'NORMAL'],
      ['CANCELLED', 'BLOCKED'],
      ['CANCELLED', null],
    ];
    for (const [status, before] of positions) {
      const snapshot = accountStatusSnapshot(status, before);
      for (const event of allEvents) {
        expect(
          nextStatus(snapshot, event),
          `${JSON.stringify(event)} from ${status}/${before}`,
        ).toBe(expectedNext(status, before, event));
      }
    }
  });
});
