import { assign, setup, type SnapshotFrom } from 'xstate';
import { stepOf, type Stamp, type Step } from './steps.js';

// Building one of an org's environments (seed: "Build your test and production environments"):
// the provider creates it, then a verification checks it answers with its own key and sees no
// other environment's data. A step that keeps failing stops at `failed`, visibly, until an
// operator retries it; it never loops forever. Pure: the hosting workflow runs the steps.

export const environmentKinds = ['TEST', 'PRODUCTION'] as const;
export type EnvironmentKind = (typeof environmentKinds)[number];

export type ProvisioningStage = 'provisioning' | 'verifying' | 'failed' | 'ready';
export type ProvisioningStepName = 'provision' | 'verify';

export type ProvisioningHumanEvent = { type: 'RETRY_STEP' } & Stamp;
type ProvisioningSystemEvent =
  | ({ type: 'PROVISIONED' } & Stamp)
  | ({ type: 'VERIFIED' } & Stamp)
  | ({ type: 'STEP_FAILED'; step: ProvisioningStepName } & Stamp);
export type ProvisioningEvent = ProvisioningHumanEvent | ProvisioningSystemEvent;

export const provisioningHumanEventTypes = [
  'RETRY_STEP',
] as const satisfies readonly ProvisioningHumanEvent['type'][];

export type ProvisioningStep = Step<ProvisioningEvent['type'], ProvisioningStage>;

export interface ProvisioningContext {
  kind: EnvironmentKind;
  /** The step that failed last, which RETRY_STEP runs again */
  failedStep?: ProvisioningStepName;
  /** Why it failed, as the provider said */
  lastError?: string;
  failures: number;
  history: ProvisioningStep[];
}

export type ProvisioningStateMeta =
  | {
      step: 'automatic';
      name: ProvisioningStepName;
      doneEvent: 'PROVISIONED' | 'VERIFIED';
      description: string;
    }
  | { step: 'human'; description: string }
  | { step: 'done'; description: string };

function moveTo(from: ProvisioningStage, to: ProvisioningStage) {
  return { target: to, actions: { type: 'record' as const, params: { from, to } } };
}

export const environmentProvisioningMachine = setup({
  types: {
    context: {} as ProvisioningContext,
    events: {} as ProvisioningEvent,
    input: {} as { kind: EnvironmentKind },
    meta: {} as ProvisioningStateMeta,
  },
  actions: {
    record: assign({
      history: ({ context, event }, params: { from: ProvisioningStage; to: ProvisioningStage }) => [
        ...context.history,
        stepOf(event, params.from, params.to),
      ],
    }),
    noteFailure: assign(({ context, event }) => ({
      failedStep: event.type === 'STEP_FAILED' ? event.step : context.failedStep,
      lastError: event.notes,
      failures: context.failures + 1,
    })),
  },
  guards: {
    verificationFailed: ({ context }) => context.failedStep === 'verify',
  },
}).createMachine({
  id: 'environmentProvisioning',
  initial: 'provisioning',
  context: ({ input }) => ({ kind: input.kind, failures: 0, history: [] }),
  states: {
    provisioning: {
      meta: {
        step: 'automatic',
        name: 'provision',
        doneEvent: 'PROVISIONED',
        description:
          'The provider creates the environment: its data partition and starting configuration',
      },
      on: {
        PROVISIONED: moveTo('provisioning', 'verifying'),
        STEP_FAILED: {
          target: 'failed',
          actions: [
            'noteFailure',
            { type: 'record', params: { from: 'provisioning', to: 'failed' } },
          ],
        },
      },
    },
    verifying: {
      meta: {
        step: 'automatic',
        name: 'verify',
        doneEvent: 'VERIFIED',
        description:
          'The environment must answer with its own key and see no other environment’s data',
      },
      on: {
        VERIFIED: moveTo('verifying', 'ready'),
        STEP_FAILED: {
          target: 'failed',
          actions: ['noteFailure', { type: 'record', params: { from: 'verifying', to: 'failed' } }],
        },
      },
    },
    failed: {
      meta: {
        step: 'human',
        description: 'A step failed after its retries; an operator retries it',
      },
      on: {
        RETRY_STEP: [
          { guard: 'verificationFailed', ...moveTo('failed', 'verifying') },
          moveTo('failed', 'provisioning'),
        ],
      },
    },
    ready: { type: 'final', meta: { step: 'done', description: 'Provisioned and verified' } },
  },
});

export type ProvisioningSnapshot = SnapshotFrom<typeof environmentProvisioningMachine>;

export function provisioningStage(snapshot: ProvisioningSnapshot): ProvisioningStage {
  return snapshot.value;
}

export function provisioningStageMeta(snapshot: ProvisioningSnapshot): ProvisioningStateMeta {
  const meta = snapshot.getMeta()[`environmentProvisioning.${provisioningStage(snapshot)}`];
  if (!meta) throw new Error(`stage ${provisioningStage(snapshot)} has no meta`);
  return meta;
}

export function allowedProvisioningEvents(
  snapshot: ProvisioningSnapshot,
): ProvisioningHumanEvent['type'][] {
  return provisioningHumanEventTypes.filter((type) => snapshot.can({ type, at: '', by: '' }));
}

/** The human events refused now, with what the machine accepts instead. */
export function provisioningRefusal(snapshot: ProvisioningSnapshot, event: ProvisioningEvent) {
  return {
    message: `${event.type} is not allowed while the ${snapshot.context.kind} environment is in stage ${provisioningStage(snapshot)}`,
    details: {
      stage: provisioningStage(snapshot),
      allowedEvents: allowedProvisioningEvents(snapshot),
    },
  };
}
