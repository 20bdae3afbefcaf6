import {
  ActivityFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import { searchAttributes } from '../common/temporal-names.js';
import {
  allowedProvisioningEvents,
  environmentProvisioningMachine,
  provisioningStage,
  provisioningStageMeta,
  type EnvironmentKind,
  type ProvisioningEvent,
  type ProvisioningHumanEvent,
  type ProvisioningStage,
  type ProvisioningStep,
  type ProvisioningStepName,
} from '../machines/environment-provisioning.js';
import { handleMachineEvents } from './refusal.js';

// Builds one environment of an org through the environment provider. Each step is retried with
// backoff a bounded number of times; then it shows as a failed step until an operator retries.

export interface EnvironmentProvisioningInput {
  orgId: string;
  environment: EnvironmentKind;
  /** Attempts per step before it shows as failed */
  maxAttemptsPerStep?: number;
}

export interface ProvisioningEventInput {
  type: ProvisioningHumanEvent['type'];
  by: string;
  notes?: string;
}

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
  let [snapshot] = initialTransition(environmentProvisioningMachine, { kind: input.environment });
  const indexed = workflowInfo().typedSearchAttributes.get(searchAttributes.orgId) !== undefined;
  const now = () => new Date().toISOString();

  const apply = (event: ProvisioningEvent) => {
    [snapshot] = transition(environmentProvisioningMachine, snapshot, event);
    if (indexed)
      upsertSearchAttributes([
        { key: searchAttributes.stage, value: [provisioningStage(snapshot)] },
      ]);
  };
  const view = (): EnvironmentProvisioningView => ({
    orgId: input.orgId,
    environment: input.environment,
    stage: provisioningStage(snapshot),
    done: snapshot.status === 'done',
    failedStep: snapshot.context.failedStep ?? null,
    lastError: snapshot.context.lastError ?? null,
    allowedEvents: allowedProvisioningEvents(snapshot),
    waitingFor: provisioningStageMeta(snapshot).description,
    history: snapshot.context.history,
  });

  setHandler(getEnvironmentProvisioningQuery, view);
  handleMachineEvents(sendEnvironmentProvisioningEventUpdate, {
    allowed: (event) => allowedProvisioningEvents(snapshot).includes(event.type),
    refusal: (event) => ({
      message: `${event.type} is not allowed while the ${input.environment} environment is in stage ${provisioningStage(snapshot)}`,
      details: {
        stage: provisioningStage(snapshot),
        allowedEvents: allowedProvisioningEvents(snapshot),
      },
    }),
    apply: (event) => apply({ ...event, at: now() }),
    view,
  });

  const run = { provision: steps.provisionEnvironment, verify: steps.verifyEnvironment };
  while (snapshot.status !== 'done') {
    const meta = provisioningStageMeta(snapshot);
    if (meta.step !== 'automatic') {
      const stage = provisioningStage(snapshot);
      await condition(() => provisioningStage(snapshot) !== stage);
      continue;
    }
    try {
      await run[meta.name](request);
      apply({ type: meta.doneEvent, at: now(), by: 'system' });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const reason = error.cause?.message ?? error.message;
      await recordEnvironmentFailure({ ...request, step: meta.name, error: reason });
      apply({ type: 'STEP_FAILED', step: meta.name, at: now(), by: 'system', notes: reason });
    }
  }
  return view();
}
