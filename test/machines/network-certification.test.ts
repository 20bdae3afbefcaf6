import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  allowedCertificationEvents,
  certificationStage,
  certificationTimes,
  dueCertificationEvent,
  networkCertificationMachine,
  type CertificationEvent,
  type CertificationStage,
} from '../../machines/network-certification.js';

const stamp = { at: '2026-03-01T00:00:00.000Z', by: 'ops' };
const human: CertificationEvent[] = (
  [
    'KICKOFF_HELD',
    'TEST_PLAN_AGREED',
    'RESULTS_SUBMITTED',
    'CERTIFIED',
    'FAILED',
    'CANCEL',
  ] as const
).map((type) => ({ type, ...stamp }));

// The rules, apart from the machine.
const rules: Record<
  CertificationStage,
  Partial<Record<CertificationEvent['type'], CertificationStage>>
> = {
  kickoff: { KICKOFF_HELD: 'testPlanning', CANCEL: 'cancelled' },
  testPlanning: { TEST_PLAN_AGREED: 'testing', CANCEL: 'cancelled' },
  testing: { RESULTS_SUBMITTED: 'underReview', CANCEL: 'cancelled' },
  underReview: { CERTIFIED: 'certified', FAILED: 'retesting', CANCEL: 'cancelled' },
  retesting: { RESULTS_SUBMITTED: 'underReview', CANCEL: 'cancelled' },
  certified: {},
  cancelled: {},
};

const start = () =>
  initialTransition(networkCertificationMachine, {
    network: 'VISA',
    startedAt: '2026-01-01T00:00:00.000Z',
  })[0];

describe('network certification machine', () => {
  it('every path follows the rules, records each step with who and when, and ends certified or cancelled', () => {
    const paths = getSimplePaths(networkCertificationMachine, {
      events: human,
      input: { network: 'VISA', startedAt: '2026-01-01T00:00:00.000Z' },
      serializeState: (snapshot) => JSON.stringify(snapshot.value),
    });
    const ends = new Set<string>();
    for (const path of paths) {
      let stage: CertificationStage = 'kickoff';
      for (const step of path.steps.slice(1)) {
        const expected: CertificationStage | undefined = rules[stage][step.event.type];
        expect(expected, `${step.event.type} from ${stage}`).toBeDefined();
        expect(certificationStage(step.state)).toBe(expected);
        stage = expected!;
      }
      expect(path.state.context.history.map((h) => `${h.from}>${h.to}`)).toEqual(
        path.steps
          .slice(1)
          .map(
            (s, i) =>
              `${i === 0 ? 'kickoff' : certificationStage(path.steps[i]!.state)}>${certificationStage(s.state)}`,
          ),
      );
      if (path.state.status === 'done') ends.add(stage);
    }
    expect([...ends].sort()).toEqual(['cancelled', 'certified']);
  });

  it('goes round failure and re-test as often as needed', () => {
    let snapshot = start();
    for (const type of [
      'KICKOFF_HELD',
      'TEST_PLAN_AGREED',
      'RESULTS_SUBMITTED',
      'FAILED',
      'RESULTS_SUBMITTED',
      'FAILED',
      'RESULTS_SUBMITTED',
      'CERTIFIED',
    ] as const) {
      expect(allowedCertificationEvents(snapshot)).toContain(type);
      [snapshot] = transition(networkCertificationMachine, snapshot, { type, ...stamp });
    }
    expect(certificationStage(snapshot)).toBe('certified');
    expect(allowedCertificationEvents(snapshot)).toEqual([]);
  });

  it('counts reminders and escalates without changing the stage; progress restarts the reminder count', () => {
    let snapshot = start();
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'REMINDER_SENT',
      ...stamp,
      by: 'system',
    });
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'DEADLINE_PASSED',
      ...stamp,
      by: 'system',
    });
    expect(certificationStage(snapshot)).toBe('kickoff');
    expect(snapshot.context).toMatchObject({
      escalated: true,
      remindersSent: 1,
      remindersSinceProgress: 1,
      history: [],
    });
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'KICKOFF_HELD',
      ...stamp,
      notes: 'call with Visa',
    });
    expect(snapshot.context).toMatchObject({
      remindersSinceProgress: 0,
      remindersSent: 1,
      lastProgressAt: stamp.at,
      escalated: true,
    });
    expect(snapshot.context.history[0]).toMatchObject({
      event: 'KICKOFF_HELD',
      by: 'ops',
      notes: 'call with Visa',
    });
  });

  it('is reminded an interval after the last progress, again each interval, and escalated once at the deadline', () => {
    const schedule = {
      startedAt: '2026-01-01T00:00:00.000Z',
      reminderAfterDays: 7,
      deadlineDays: 10,
    };
    const at = (iso: string) => Date.parse(iso);
    let snapshot = start();
    expect(certificationTimes(snapshot.context, schedule)).toEqual({
      deadline: at('2026-01-11T00:00:00.000Z'),
      reminderAt: at('2026-01-08T00:00:00.000Z'),
      wakeAt: at('2026-01-08T00:00:00.000Z'),
    });
    expect(dueCertificationEvent(snapshot.context, schedule, at('2026-01-07T23:59:59.999Z'))).toBe(
      undefined,
    );
    expect(dueCertificationEvent(snapshot.context, schedule, at('2026-01-08T00:00:00.000Z'))).toBe(
      'REMINDER_SENT',
    );
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'REMINDER_SENT',
      at: '2026-01-08T00:00:00.000Z',
      by: 'system',
    });
    // The second reminder would come after the deadline, so the deadline wakes the host first.
    expect(certificationTimes(snapshot.context, schedule).wakeAt).toBe(
      at('2026-01-11T00:00:00.000Z'),
    );
    expect(dueCertificationEvent(snapshot.context, schedule, at('2026-01-11T00:00:00.000Z'))).toBe(
      'DEADLINE_PASSED',
    );
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'DEADLINE_PASSED',
      at: '2026-01-11T00:00:00.000Z',
      by: 'system',
    });
    expect(certificationTimes(snapshot.context, schedule).wakeAt).toBe(
      at('2026-01-15T00:00:00.000Z'),
    );
    expect(dueCertificationEvent(snapshot.context, schedule, at('2026-01-14T00:00:00.000Z'))).toBe(
      undefined,
    );
    // Progress starts the reminder count again from the day it happened.
    [snapshot] = transition(networkCertificationMachine, snapshot, {
      type: 'KICKOFF_HELD',
      at: '2026-01-14T00:00:00.000Z',
      by: 'ops',
    });
    expect(certificationTimes(snapshot.context, schedule).reminderAt).toBe(
      at('2026-01-21T00:00:00.000Z'),
    );
  });
});
