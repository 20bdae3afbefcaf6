import { assign, setup, type SnapshotFrom } from 'xstate';

// The steps of setting up an org (seed: "Define your infrastructure"). Pure: no I/O, no clock.
// Time and actor arrive inside events; the hosting workflow supplies them.

export type OrgOnboardingStage =
  | 'provisioningTestEnvironment'
  | 'awaitingServiceDeskAccess'
  | 'activating'
  | 'live';

interface StepFacts {
  /** ISO-8601 instant the step happened, supplied by the host */
  at: string;
  /** Who made the step happen: an operator, or "system" */
  by: string;
  notes?: string;
}

/** Events an operator sends over HTTP. */
export type OrgOnboardingHumanEvent = { type: 'SERVICE_DESK_ACCESS_GRANTED' } & StepFacts;

/** Events the workflow sends when an automatic step finishes. */
export type OrgOnboardingSystemEvent =
  | ({ type: 'TEST_ENVIRONMENT_READY' } & StepFacts)
  | ({ type: 'ORG_ACTIVATED' } & StepFacts);

export type OrgOnboardingEvent = OrgOnboardingHumanEvent | OrgOnboardingSystemEvent;

export const orgOnboardingHumanEventTypes = ['SERVICE_DESK_ACCESS_GRANTED'] as const satisfies
  readonly OrgOnboardingHumanEvent['type'][];

export interface OrgOnboardingStep extends StepFacts {
  event: OrgOnboardingEvent['type'];
  from: OrgOnboardingStage;
  to: OrgOnboardingStage;
}

export interface OrgOnboardingContext {
  orgId: string;
  history: OrgOnboardingStep[];
}

/** What the host does on entering a state; `human` states wait for an operator event. */
export type OrgOnboardingStateMeta =
  | {
      step: 'automatic';
      activity: 'markTestEnvironmentReady' | 'activateOrg';
      /** The event the host sends once the activity has succeeded */
      doneEvent: OrgOnboardingSystemEvent['type'];
      description: string;
    }
  | { step: 'human'; description: string }
  | { step: 'done'; description: string };

export const orgOnboardingMachine = setup({
  types: {
    context: {} as OrgOnboardingContext,
    events: {} as OrgOnboardingEvent,
    input: {} as { orgId: string },
    meta: {} as OrgOnboardingStateMeta,
  },
  actions: {
    recordStep: assign({
      history: ({ context, event }, params: { from: OrgOnboardingStage; to: OrgOnboardingStage }) => [
        ...context.history,
        {
          event: event.type,
          from: params.from,
          to: params.to,
          at: event.at,
          by: event.by,
          ...(event.notes === undefined ? {} : { notes: event.notes }),
        },
      ],
    }),
  },
}).createMachine({
  id: 'orgOnboarding',
  initial: 'provisioningTestEnvironment',
  context: ({ input }) => ({ orgId: input.orgId, history: [] }),
  states: {
    provisioningTestEnvironment: {
      meta: {
        step: 'automatic',
        activity: 'markTestEnvironmentReady',
        doneEvent: 'TEST_ENVIRONMENT_READY',
        description: 'The test environment (no production data) is made ready for use',
      },
      on: {
        TEST_ENVIRONMENT_READY: {
          target: 'awaitingServiceDeskAccess',
          actions: {
            type: 'recordStep',
            params: { from: 'provisioningTestEnvironment', to: 'awaitingServiceDeskAccess' },
          },
        },
      },
    },
    awaitingServiceDeskAccess: {
      meta: { step: 'human', description: 'Support grants the org access to the Service Desk' },
      on: {
        SERVICE_DESK_ACCESS_GRANTED: {
          target: 'activating',
          actions: { type: 'recordStep', params: { from: 'awaitingServiceDeskAccess', to: 'activating' } },
        },
      },
    },
    activating: {
      meta: {
        step: 'automatic',
        activity: 'activateOrg',
        doneEvent: 'ORG_ACTIVATED',
        description: 'The org is marked active',
      },
      on: {
        ORG_ACTIVATED: {
          target: 'live',
          actions: { type: 'recordStep', params: { from: 'activating', to: 'live' } },
        },
      },
    },
    live: {
      type: 'final',
      meta: { step: 'done', description: 'The org is set up' },
    },
  },
});

export type OrgOnboardingMachine = typeof orgOnboardingMachine;

/** The stage a snapshot is in (the machine is flat, so its value is a stage name). */
export function orgOnboardingStage(snapshot: SnapshotFrom<OrgOnboardingMachine>): OrgOnboardingStage {
  return snapshot.value;
}

export function orgOnboardingStageMeta(snapshot: SnapshotFrom<OrgOnboardingMachine>): OrgOnboardingStateMeta {
  const meta = snapshot.getMeta()[`orgOnboarding.${orgOnboardingStage(snapshot)}`];
  if (!meta) throw new Error(`stage ${orgOnboardingStage(snapshot)} has no meta`);
  return meta;
}

/** The operator events the machine accepts in this snapshot. */
export function allowedOrgOnboardingHumanEvents(
  snapshot: SnapshotFrom<OrgOnboardingMachine>,
): OrgOnboardingHumanEvent['type'][] {
  return orgOnboardingHumanEventTypes.filter((type) => snapshot.can({ type, at: '', by: '' }));
}
