import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  activeStages,
  allowedOrgOnboardingHumanEvents,
  initialOrgOnboardingSnapshot,
  orgOnboardingMachine,
  orgOnboardingStage,
  processStages,
  requiredChildren,
  type OrgOnboardingEvent,
  type OrgOnboardingSnapshot,
} from '../../machines/org-onboarding.js';

const stamp = { at: '2026-01-01T00:00:00.000Z', by: 'ops' };
const ev = {
  testReady: { type: 'ENVIRONMENT_READY', environment: 'TEST', ...stamp },
  productionReady: { type: 'ENVIRONMENT_READY', environment: 'PRODUCTION', ...stamp },
  serviceDesk: { type: 'SERVICE_DESK_ACCESS_GRANTED', ...stamp },
  controlCenter: { type: 'CONTROL_CENTER_ACCESS_GRANTED', ...stamp },
  visaCertified: { type: 'CERTIFICATION_ENDED', network: 'VISA', outcome: 'certified', ...stamp },
  visaCancelled: { type: 'CERTIFICATION_ENDED', network: 'VISA', outcome: 'cancelled', ...stamp },
  mastercardCertified: {
    type: 'CERTIFICATION_ENDED',
    network: 'MASTERCARD',
    outcome: 'certified',
    ...stamp,
  },
  mastercardCancelled: {
    type: 'CERTIFICATION_ENDED',
    network: 'MASTERCARD',
    outcome: 'cancelled',
    ...stamp,
  },
  restartVisa: { type: 'RESTART_CERTIFICATION', network: 'VISA', ...stamp },
  activated: { type: 'ORG_ACTIVATED', ...stamp },
} satisfies Record<string, OrgOnboardingEvent>;

function run(
  networks: ('VISA' | 'MASTERCARD')[],
  ...events: OrgOnboardingEvent[]
): OrgOnboardingSnapshot {
  let snapshot = initialOrgOnboardingSnapshot('org-1', networks);
  for (const event of events) [snapshot] = transition(orgOnboardingMachine, snapshot, event);
  return snapshot;
}

// The ordering rules, stated apart from the machine, checked on every state a path reaches.
function checkOrdering(snapshot: OrgOnboardingSnapshot): void {
  const stages = processStages(snapshot);
  if (orgOnboardingStage(snapshot) !== 'onboarding') return;
  if (stages.productionEnvironment !== 'waitingForTestEnvironment')
    expect(stages.testEnvironment).toBe('ready');
  if (stages.certification !== 'waitingForTestEnvironment')
    expect(stages.testEnvironment).toBe('ready');
  if (stages.controlCenter !== 'waitingForEnvironments')
    expect(stages.productionEnvironment).toBe('ready');
}

describe('org onboarding machine', () => {
  it('starts with Service Desk access and the test environment in parallel; nothing else runs yet', () => {
    const start = run(['VISA']);
    expect(activeStages(start)).toEqual([
      'serviceDesk.awaitingAccess',
      'testEnvironment.provisioning',
      'productionEnvironment.waitingForTestEnvironment',
      'certification.waitingForTestEnvironment',
      'controlCenter.waitingForEnvironments',
    ]);
    expect(requiredChildren(start)).toEqual([
      { key: 'environment:TEST', child: 'environment', environment: 'TEST' },
    ]);
    expect(allowedOrgOnboardingHumanEvents(start)).toEqual([
      { type: 'SERVICE_DESK_ACCESS_GRANTED' },
    ]);
  });

  it('builds production and starts one certification per network once the test environment is verified', () => {
    const after = run(['VISA', 'MASTERCARD'], ev.testReady);
    expect(processStages(after)).toMatchObject({
      productionEnvironment: 'provisioning',
      certification: 'certifying',
    });
    expect(requiredChildren(after).map((c) => c.key)).toEqual([
      'environment:PRODUCTION',
      'certification:VISA:1',
      'certification:MASTERCARD:1',
    ]);
  });

  it('refuses Control Center access until both environments exist', () => {
    const testOnly = run(['VISA'], ev.testReady);
    expect(testOnly.can(ev.controlCenter)).toBe(false);
    const both = run(['VISA'], ev.testReady, ev.productionReady);
    expect(processStages(both).controlCenter).toBe('awaitingAccess');
    expect(allowedOrgOnboardingHumanEvents(both)).toContainEqual({
      type: 'CONTROL_CENTER_ACCESS_GRANTED',
    });
  });

  it('ignores a production environment that reports ready before the test environment', () => {
    const early = run(['VISA'], ev.productionReady);
    expect(processStages(early).productionEnvironment).toBe('waitingForTestEnvironment');
    expect(early.context.history).toEqual([]);
  });

  it('goes live only when every network has ended with at least one certified', () => {
    const rest = [ev.testReady, ev.productionReady, ev.serviceDesk, ev.controlCenter];
    const oneOfTwo = run(['VISA', 'MASTERCARD'], ...rest, ev.visaCertified);
    expect(processStages(oneOfTwo).certification).toBe('certifying');
    const oneCancelled = run(
      ['VISA', 'MASTERCARD'],
      ...rest,
      ev.visaCertified,
      ev.mastercardCancelled,
    );
    expect(orgOnboardingStage(oneCancelled)).toBe('activating');
    const noneCertified = run(
      ['VISA', 'MASTERCARD'],
      ...rest,
      ev.visaCancelled,
      ev.mastercardCancelled,
    );
    expect(processStages(noneCertified).certification).toBe('certifying');
    expect(allowedOrgOnboardingHumanEvents(noneCertified)).toEqual([
      { type: 'RESTART_CERTIFICATION', network: 'VISA' },
      { type: 'RESTART_CERTIFICATION', network: 'MASTERCARD' },
    ]);
  });

  it('records how each network ended, and the region’s end apart from any network', () => {
    const steps = (snapshot: OrgOnboardingSnapshot) =>
      snapshot.context.history
        .filter((s) => s.process === 'certification')
        .map((s) => `${s.event} ${s.network ?? '-'} ${s.from} → ${s.to}`);
    const ended = run(
      ['VISA', 'MASTERCARD'],
      ev.testReady,
      ev.visaCertified,
      ev.mastercardCancelled,
    );
    expect(steps(ended)).toEqual([
      'ENVIRONMENT_READY - waitingForTestEnvironment → certifying',
      'CERTIFICATION_ENDED VISA inProgress → certified',
      'CERTIFICATION_ENDED MASTERCARD inProgress → cancelled',
      'CERTIFICATION_ENDED - certifying → certified',
    ]);
    const restarted = run(['VISA'], ev.testReady, ev.visaCancelled, ev.restartVisa);
    expect(steps(restarted).slice(1)).toEqual([
      'CERTIFICATION_ENDED VISA inProgress → cancelled',
      'RESTART_CERTIFICATION VISA cancelled → inProgress',
    ]);
  });

  it('restarts a cancelled certification as a new run, and only a cancelled one', () => {
    const running = run(['VISA'], ev.testReady);
    expect(running.can(ev.restartVisa)).toBe(false);
    const restarted = run(['VISA'], ev.testReady, ev.visaCancelled, ev.restartVisa);
    expect(restarted.context.certifications.VISA).toEqual({ status: 'inProgress', attempt: 2 });
    expect(requiredChildren(restarted).map((c) => c.key)).toContain('certification:VISA:2');
  });

  it('every path keeps the ordering rules, records who did what, and ends live', () => {
    const events = [
      ev.testReady,
      ev.productionReady,
      ev.serviceDesk,
      ev.controlCenter,
      ev.visaCertified,
      ev.activated,
    ];
    const paths = getSimplePaths(orgOnboardingMachine, {
      events,
      input: { orgId: 'org-1', networks: ['VISA'] },
      serializeState: (s) => JSON.stringify([s.value, s.context.certifications]),
    });
    const complete = paths.filter((path) => path.state.status === 'done');
    expect(complete.length).toBeGreaterThan(10);
    for (const path of paths) for (const step of path.steps) checkOrdering(step.state);
    for (const path of complete) {
      expect(orgOnboardingStage(path.state)).toBe('live');
      expect(path.state.context.history.map((h) => `${h.process ?? ''}:${h.to}`)).toEqual(
        expect.arrayContaining([
          'serviceDesk:granted',
          'testEnvironment:ready',
          'productionEnvironment:ready',
          'certification:certified',
          'controlCenter:granted',
          ':live',
        ]),
      );
    }
  });
});
