import {
  ActivityFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
} from '@temporalio/workflow';
import { initialTransition } from 'xstate';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import { searchAttributes } from '../common/temporal-names.js';
import {
  allowedProvisioningEvents,
  environmentProvisioningMachine,
  provisioningRefusal,
  provisioningStage,
  provisioningStageMeta,
  type EnvironmentKind,
  type ProvisioningHumanEvent,
  type ProvisioningStage,
  type ProvisioningStep,
  type ProvisioningStepName,
} from '../machines/environment-provisioning.js';
import type { Unstamped } from '../machines/steps.js';
import { hostMachine } from './machine-host.js';

// Builds one environment of an org through the environment provider. Each step is retried with
// backoff a bounded number of times; then it shows as a failed step until an operator retries.

export interface EnvironmentProvisioningInput {
  orgId: string;
  environment: EnvironmentKind;
  /** Attempts per step before it shows as failed */
  maxAttemptsPerStep?: number;
}

/** An operator's event as it arrives over HTTP; the workflow stamps the time. */
export type ProvisioningEventInput = Unstamped<ProvisioningHumanEvent>;

export interface EnvironmentProvisioningView {
  orgId: string;
  environment: EnvironmentKind;
  stage: ProvisioningStage;
  done: boolean;
  failedStep: ProvisioningStepName | null;
  lastError: string | null;
  allowedEvents: ProvisioningHumanEvent['type'][];
  waitingFor: string;
  history: ProvisioningStep[];
}

export const getEnvironmentProvisioningQuery = defineQuery<EnvironmentProvisioningView>(
  'getEnvironmentProvisioning',
);
export const sendEnvironmentProvisioningEventUpdate = defineUpdate<
  EnvironmentProvisioningView,
  [ProvisioningEventInput]
>('sendEnvironmentProvisioningEvent');

export async function environmentProvisioning(
  input: EnvironmentProvisioningInput,
): Promise<EnvironmentProvisioningView> {
  const steps = proxyActivities<EnvironmentActivities>({
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: input.maxAttemptsPerStep ?? 5,
    },
  });
  // Recording a failure must itself succeed, so it retries without a limit.
  const { recordEnvironmentFailure } = proxyActivities<EnvironmentActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const request = { orgId: input.orgId, environment: input.environment };
  const host = hostMachine({
    machine: environmentProvisioningMachine,
    snapshot: initialTransition(environmentProvisioningMachine, { kind: input.environment })[0],
    query: getEnvironmentProvisioningQuery,
    view: (snapshot): EnvironmentProvisioningView => ({
      orgId: input.orgId,
      environment: input.environment,
      stage: provisioningStage(snapshot),
      done: snapshot.status === 'done',
      failedStep: snapshot.context.failedStep ?? null,
      lastError: snapshot.context.lastError ?? null,
      allowedEvents: allowedProvisioningEvents(snapshot),
      waitingFor: provisioningStageMeta(snapshot).description,
      history: snapshot.context.history,
    }),
    searchAttributes: (snapshot) => [
      { key: searchAttributes.stage, value: [provisioningStage(snapshot)] },
    ],
    refusal: provisioningRefusal,
  });
  host.accept(sendEnvironmentProvisioningEventUpdate, (event, at) => ({ ...event, at }));
  const now = () => new Date().toISOString();

  const run = { provision: steps.provisionEnvironment, verify: steps.verifyEnvironment };
  while (host.snapshot.status !== 'done') {
    const meta = provisioningStageMeta(host.snapshot);
    if (meta.step !== 'automatic') {
      const seen = host.version;
      await condition(() => host.version !== seen);
      continue;
    }
    try {
      await run[meta.name](request);
      host.apply({ type: meta.doneEvent, at: now(), by: 'system' });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const reason = error.cause?.message ?? error.message;
      await recordEnvironmentFailure({ ...request, step: meta.name, error: reason });
      host.apply({ type: 'STEP_FAILED', step: meta.name, at: now(), by: 'system', notes: reason });
    }
  }
  return host.view();
}
