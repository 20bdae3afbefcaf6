import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  allowedOrgOnboardingHumanEvents,
  orgOnboardingMachine,
  orgOnboardingStage,
  orgOnboardingStageMeta,
  type OrgOnboardingEvent,
} from '../../machines/org-onboarding.js';

const at = '2026-01-01T00:00:00.000Z';
const allEvents: OrgOnboardingEvent[] = [
  { type: 'TEST_ENVIRONMENT_READY', at, by: 'system' },
  { type: 'SERVICE_DESK_ACCESS_GRANTED', at, by: 'operator', notes: 'SD-1' },
  { type: 'ORG_ACTIVATED', at, by: 'system' },
];

// The rules, written independently of the machine: which event moves which stage where.
const rules: Record<string, Partial<Record<OrgOnboardingEvent['type'], string>>> = {
  provisioningTestEnvironment: { TEST_ENVIRONMENT_READY: 'awaitingServiceDeskAccess' },
  awaitingServiceDeskAccess: { SERVICE_DESK_ACCESS_GRANTED: 'activating' },
  activating: { ORG_ACTIVATED: 'live' },
  live: {},
};

describe('org onboarding machine', () => {
  it('starts by provisioning the test environment', () => {
    const [snapshot] = initialTransition(orgOnboardingMachine, { orgId: 'org-1' });
    expect(orgOnboardingStage(snapshot)).toBe('provisioningTestEnvironment');
    expect(orgOnboardingStageMeta(snapshot)).toMatchObject({ step: 'automatic', activity: 'markTestEnvironmentReady' });
    expect(snapshot.context).toEqual({ orgId: 'org-1', history: [] });
  });

  it('accepts operator events only in human stages', () => {
    let [snapshot] = initialTransition(orgOnboardingMachine, { orgId: 'org-1' });
    expect(allowedOrgOnboardingHumanEvents(snapshot)).toEqual([]);
    [snapshot] = transition(orgOnboardingMachine, snapshot, allEvents[0]!);
    expect(allowedOrgOnboardingHumanEvents(snapshot)).toEqual(['SERVICE_DESK_ACCESS_GRANTED']);
  });

  it('ignores an event the current stage does not accept', () => {
    const [start] = initialTransition(orgOnboardingMachine, { orgId: 'org-1' });
    const [after] = transition(orgOnboardingMachine, start, allEvents[1]!);
    expect(orgOnboardingStage(after)).toBe('provisioningTestEnvironment');
    expect(after.context.history).toEqual([]);
  });

  it('every path follows the rules, records each step and ends live', () => {
    const paths = getSimplePaths(orgOnboardingMachine, { events: allEvents, input: { orgId: 'org-1' } });
    const complete = paths.filter((path) => path.state.status === 'done');
    expect(complete.length).toBeGreaterThan(0);
    for (const path of paths) {
      let stage = 'provisioningTestEnvironment';
      for (const [index, step] of path.steps.entries()) {
        if (index === 0) continue; // the initial step carries the init event
        const expected = rules[stage]?.[step.event.type];
        expect(expected, `${step.event.type} from ${stage}`).toBeDefined();
        expect(orgOnboardingStage(step.state)).toBe(expected);
        stage = expected!;
      }
      expect(path.state.context.history.map((h) => h.to)).toEqual(
        path.steps.slice(1).map((s) => orgOnboardingStage(s.state)),
      );
    }
    for (const path of complete) {
      expect(orgOnboardingStage(path.state)).toBe('live');
      expect(path.state.context.history.map((h) => h.event)).toEqual(allEvents.map((e) => e.type));
      expect(path.state.context.history[1]).toMatchObject({ by: 'operator', notes: 'SD-1', at });
    }
  });
});
