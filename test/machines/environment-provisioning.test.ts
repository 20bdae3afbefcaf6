import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  allowedProvisioningEvents,
  environmentProvisioningMachine,
  provisioningStage,
  provisioningStageMeta,
  type ProvisioningEvent,
} from '../../machines/environment-provisioning.js';

const stamp = { at: '2026-01-01T00:00:00.000Z', by: 'system' };
const ev = {
  provisioned: { type: 'PROVISIONED', ...stamp },
  verified: { type: 'VERIFIED', ...stamp },
  provisionFailed: {
    type: 'STEP_FAILED',
    step: 'provision',
    ...stamp,
    notes: 'provider unavailable',
  },
  verifyFailed: { type: 'STEP_FAILED', step: 'verify', ...stamp, notes: 'key sees other data' },
  retry: { type: 'RETRY_STEP', at: stamp.at, by: 'ops' },
} satisfies Record<string, ProvisioningEvent>;

function run(...events: ProvisioningEvent[]) {
  let [snapshot] = initialTransition(environmentProvisioningMachine, { kind: 'PRODUCTION' });
  for (const event of events)
    [snapshot] = transition(environmentProvisioningMachine, snapshot, event);
  return snapshot;
}

describe('environment provisioning machine', () => {
  it('provisions, then verifies, then is ready', () => {
    expect(provisioningStageMeta(run())).toMatchObject({ step: 'automatic', name: 'provision' });
    expect(provisioningStageMeta(run(ev.provisioned))).toMatchObject({
      step: 'automatic',
      name: 'verify',
    });
    const ready = run(ev.provisioned, ev.verified);
    expect(ready.status).toBe('done');
    expect(ready.context.history.map((h) => h.to)).toEqual(['verifying', 'ready']);
  });

  it('shows a failed step with its error and lets an operator retry exactly that step', () => {
    const failed = run(ev.provisioned, ev.verifyFailed);
    expect(provisioningStage(failed)).toBe('failed');
    expect(failed.context).toMatchObject({
      failedStep: 'verify',
      lastError: 'key sees other data',
      failures: 1,
    });
    expect(allowedProvisioningEvents(failed)).toEqual(['RETRY_STEP']);
    expect(provisioningStage(run(ev.provisioned, ev.verifyFailed, ev.retry))).toBe('verifying');
    expect(provisioningStage(run(ev.provisionFailed, ev.retry))).toBe('provisioning');
  });

  it('accepts a retry only while a step has failed', () => {
    expect(allowedProvisioningEvents(run())).toEqual([]);
    expect(provisioningStage(run(ev.retry))).toBe('provisioning');
    expect(run(ev.retry).context.history).toEqual([]);
  });

  it('every path reaches ready only through a passed verification', () => {
    const paths = getSimplePaths(environmentProvisioningMachine, {
      events: Object.values(ev),
      input: { kind: 'TEST' },
      serializeState: (s) => JSON.stringify([s.value, s.context.failedStep]),
    });
    const complete = paths.filter((p) => p.state.status === 'done');
    expect(complete.length).toBeGreaterThan(2);
    for (const path of complete) expect(path.steps.at(-1)!.event.type).toBe('VERIFIED');
  });
});
