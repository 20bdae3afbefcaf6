import { assign, initialTransition, setup, stateIn, type SnapshotFrom } from 'xstate';
import type { EnvironmentKind } from './environment-provisioning.js';
import {
  cardNetworks,
  type CardNetwork,
  type CertificationOutcome,
} from './network-certification.js';
import { stepOf, type Stamp, type Step } from './steps.js';

// The whole setup of an org (seed: "Define your infrastructure") as parallel sub-processes:
// Service Desk access, the test and production environments, card-network certification and
// Control Center access. What waits for what:
// - production is built only once the test environment is provisioned and verified;
// - certification (tested in the test environment) starts once the test environment is ready;
// - Control Center access is set up once both environments exist;
// - the org goes live when every sub-process is done.
// Pure: environments and certifications run as child workflows; their ends arrive as events.

export const onboardingProcesses = [
  'serviceDesk',
  'testEnvironment',
  'productionEnvironment',
  'certification',
  'controlCenter',
] as const;
export type OnboardingProcess = (typeof onboardingProcesses)[number];

export type OrgOnboardingHumanEvent =
  | ({ type: 'SERVICE_DESK_ACCESS_GRANTED' } & Stamp)
  | ({ type: 'CONTROL_CENTER_ACCESS_GRANTED' } & Stamp)
  /** Starts a cancelled network certification again */
  | ({ type: 'RESTART_CERTIFICATION'; network: CardNetwork } & Stamp);

type OrgOnboardingSystemEvent =
  | ({ type: 'ENVIRONMENT_READY'; environment: EnvironmentKind } & Stamp)
  | ({
      type: 'CERTIFICATION_ENDED';
      network: CardNetwork;
      outcome: CertificationOutcome;
    } & Stamp)
  | ({ type: 'ORG_ACTIVATED' } & Stamp);

export type OrgOnboardingEvent = OrgOnboardingHumanEvent | OrgOnboardingSystemEvent;

export const orgOnboardingHumanEventTypes = [
  'SERVICE_DESK_ACCESS_GRANTED',
  'CONTROL_CENTER_ACCESS_GRANTED',
  'RESTART_CERTIFICATION',
] as const satisfies readonly OrgOnboardingHumanEvent['type'][];

/**
 * A step of the onboarding. A step of one network's certification names the network, and its
 * `from` and `to` are that network's status (`inProgress → cancelled`); any other step's are the
 * stages of its process (`certifying → certified`).
 */
export interface OrgOnboardingStep extends Step<OrgOnboardingEvent['type'], string> {
  process?: OnboardingProcess;
  network?: CardNetwork;
}

type CertificationStatus = 'waiting' | 'inProgress' | CertificationOutcome;

export interface OrgOnboardingContext {
  orgId: string;
  /** Each network the org certifies with; `attempt` counts restarts, so each run has its own key */
  certifications: Partial<Record<CardNetwork, { status: CertificationStatus; attempt: number }>>;
  history: OrgOnboardingStep[];
}

/** What the host does in a state: run an activity, run child workflows, or wait for a person. */
export type OrgOnboardingStateMeta =
  | { step: 'automatic'; activity: 'activateOrg'; doneEvent: 'ORG_ACTIVATED'; description: string }
  | { step: 'child'; child: 'environment'; environment: EnvironmentKind; description: string }
  | { step: 'child'; child: 'certifications'; description: string }
  | { step: 'waiting'; description: string }
  | { step: 'human'; description: string }
  | { step: 'done'; description: string };

function recorded(process: OnboardingProcess | undefined, from: string, to: string) {
  return { type: 'record' as const, params: { process, from, to } };
}

function environmentReady(environment: EnvironmentKind) {
  return ({ event }: { event: OrgOnboardingEvent }) =>
    event.type === 'ENVIRONMENT_READY' && event.environment === environment;
}

export const orgOnboardingMachine = setup({
  types: {
    context: {} as OrgOnboardingContext,
    events: {} as OrgOnboardingEvent,
    input: {} as { orgId: string; networks: readonly CardNetwork[] },
    meta: {} as OrgOnboardingStateMeta,
  },
  actions: {
    record: assign({
      history: (
        { context, event },
        params: { process: OnboardingProcess | undefined; from: string; to: string },
      ) => [
        ...context.history,
        {
          ...stepOf(event, params.from, params.to),
          ...(params.process ? { process: params.process } : {}),
        },
      ],
    }),
    /** One network's status change, after it is made: how its certification ended, or its restart */
    recordNetwork: assign({
      history: ({ context, event }, params: { from: CertificationStatus }) => {
        if (event.type !== 'CERTIFICATION_ENDED' && event.type !== 'RESTART_CERTIFICATION')
          return context.history;
        const to = context.certifications[event.network]?.status ?? params.from;
        return [
          ...context.history,
          {
            ...stepOf(event, params.from, to),
            process: 'certification' as const,
            network: event.network,
          },
        ];
      },
    }),
    startCertifications: assign({
      certifications: ({ context }) =>
        Object.fromEntries(
          Object.entries(context.certifications).map(([network, c]) => [
            network,
            { ...c, status: 'inProgress' },
          ]),
        ),
    }),
    endCertification: assign({
      certifications: ({ context, event }) => {
        if (event.type !== 'CERTIFICATION_ENDED') return context.certifications;
        const current = context.certifications[event.network];
        return current
          ? { ...context.certifications, [event.network]: { ...current, status: event.outcome } }
          : context.certifications;
      },
    }),
    restartCertification: assign({
      certifications: ({ context, event }) => {
        if (event.type !== 'RESTART_CERTIFICATION') return context.certifications;
        const current = context.certifications[event.network];
        return current
          ? {
              ...context.certifications,
              [event.network]: { status: 'inProgress', attempt: current.attempt + 1 },
            }
          : context.certifications;
      },
    }),
  },
  guards: {
    testEnvironmentReady: environmentReady('TEST'),
    productionEnvironmentReady: environmentReady('PRODUCTION'),
    productionEnvironmentExists: stateIn('#orgOnboarding.onboarding.productionEnvironment.ready'),
    certificationRunning: ({ context, event }) =>
      event.type === 'CERTIFICATION_ENDED' &&
      context.certifications[event.network]?.status === 'inProgress',
    certificationCancelled: ({ context, event }) =>
      event.type === 'RESTART_CERTIFICATION' &&
      context.certifications[event.network]?.status === 'cancelled',
    /** Every network has ended and at least one certified: an org cannot go live on no network */
    certifiedWithEveryNetworkDone: ({ context }) => {
      const statuses = Object.values(context.certifications).map((c) => c.status);
      return (
        statuses.includes('certified') &&
        statuses.every((s) => s === 'certified' || s === 'cancelled')
      );
    },
  },
}).createMachine({
  id: 'orgOnboarding',
  initial: 'onboarding',
  context: ({ input }) => ({
    orgId: input.orgId,
    certifications: Object.fromEntries(
      input.networks.map((network) => [network, { status: 'waiting', attempt: 1 }]),
    ),
    history: [],
  }),
  states: {
    onboarding: {
      type: 'parallel',
      onDone: { target: 'activating' },
      states: {
        serviceDesk: {
          initial: 'awaitingAccess',
          states: {
            awaitingAccess: {
              meta: {
                step: 'human',
                description: 'Support grants the org access to the Service Desk',
              },
              on: {
                SERVICE_DESK_ACCESS_GRANTED: {
                  target: 'granted',
                  actions: recorded('serviceDesk', 'awaitingAccess', 'granted'),
                },
              },
            },
            granted: {
              type: 'final',
              meta: { step: 'done', description: 'The org uses the Service Desk' },
            },
          },
        },
        testEnvironment: {
          initial: 'provisioning',
          states: {
            provisioning: {
              meta: {
                step: 'child',
                child: 'environment',
                environment: 'TEST',
                description: 'The test environment (no production data) is built and verified',
              },
              on: {
                ENVIRONMENT_READY: {
                  guard: 'testEnvironmentReady',
                  target: 'ready',
                  actions: recorded('testEnvironment', 'provisioning', 'ready'),
                },
              },
            },
            ready: {
              type: 'final',
              meta: { step: 'done', description: 'The test environment is verified' },
            },
          },
        },
        productionEnvironment: {
          initial: 'waitingForTestEnvironment',
          states: {
            waitingForTestEnvironment: {
              meta: {
                step: 'waiting',
                description: 'Production is built once the test environment is verified',
              },
              on: {
                ENVIRONMENT_READY: {
                  guard: 'testEnvironmentReady',
                  target: 'provisioning',
                  actions: recorded(
                    'productionEnvironment',
                    'waitingForTestEnvironment',
                    'provisioning',
                  ),
                },
              },
            },
            provisioning: {
              meta: {
                step: 'child',
                child: 'environment',
                environment: 'PRODUCTION',
                description:
                  'The production environment (live customer data) is built and verified',
              },
              on: {
                ENVIRONMENT_READY: {
                  guard: 'productionEnvironmentReady',
                  target: 'ready',
                  actions: recorded('productionEnvironment', 'provisioning', 'ready'),
                },
              },
            },
            ready: {
              type: 'final',
              meta: { step: 'done', description: 'The production environment is verified' },
            },
          },
        },
        certification: {
          initial: 'waitingForTestEnvironment',
          states: {
            waitingForTestEnvironment: {
              meta: {
                step: 'waiting',
                description: 'Certification testing starts once the test environment is verified',
              },
              on: {
                ENVIRONMENT_READY: {
                  guard: 'testEnvironmentReady',
                  target: 'certifying',
                  actions: [
                    'startCertifications',
                    recorded('certification', 'waitingForTestEnvironment', 'certifying'),
                  ],
                },
              },
            },
            certifying: {
              meta: {
                step: 'child',
                child: 'certifications',
                description: 'Each network certifies the org (up to six months)',
              },
              always: {
                guard: 'certifiedWithEveryNetworkDone',
                target: 'certified',
                actions: recorded('certification', 'certifying', 'certified'),
              },
              on: {
                CERTIFICATION_ENDED: {
                  guard: 'certificationRunning',
                  actions: [
                    'endCertification',
                    { type: 'recordNetwork', params: { from: 'inProgress' } },
                  ],
                },
                RESTART_CERTIFICATION: {
                  guard: 'certificationCancelled',
                  actions: [
                    'restartCertification',
                    { type: 'recordNetwork', params: { from: 'cancelled' } },
                  ],
                },
              },
            },
            certified: {
              type: 'final',
              meta: { step: 'done', description: 'Certified with at least one network' },
            },
          },
        },
        controlCenter: {
          initial: 'waitingForEnvironments',
          states: {
            waitingForEnvironments: {
              meta: {
                step: 'waiting',
                description: 'Control Center access is set up once both environments exist',
              },
              always: { guard: 'productionEnvironmentExists', target: 'awaitingAccess' },
            },
            awaitingAccess: {
              meta: {
                step: 'human',
                description: 'Support sets up the org’s Control Center users',
              },
              on: {
                CONTROL_CENTER_ACCESS_GRANTED: {
                  target: 'granted',
                  actions: recorded('controlCenter', 'awaitingAccess', 'granted'),
                },
              },
            },
            granted: {
              type: 'final',
              meta: { step: 'done', description: 'The org’s users reach Control Center' },
            },
          },
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
      on: { ORG_ACTIVATED: { target: 'live', actions: recorded(undefined, 'activating', 'live') } },
    },
    live: { type: 'final', meta: { step: 'done', description: 'The org is set up' } },
  },
});

type OrgOnboardingMachine = typeof orgOnboardingMachine;
export type OrgOnboardingSnapshot = SnapshotFrom<OrgOnboardingMachine>;

export function initialOrgOnboardingSnapshot(
  orgId: string,
  networks: readonly CardNetwork[],
): OrgOnboardingSnapshot {
  return initialTransition(orgOnboardingMachine, { orgId, networks })[0];
}

/** Each sub-process's stage while they run; empty once the org is activating or live. */
export function processStages(
  snapshot: OrgOnboardingSnapshot,
): Partial<Record<OnboardingProcess, string>> {
  const value = snapshot.value;
  return typeof value === 'object' && 'onboarding' in value ? value.onboarding : {};
}

/** The org's overall stage: `onboarding`, `activating` or `live`. */
export function orgOnboardingStage(
  snapshot: OrgOnboardingSnapshot,
): 'onboarding' | 'activating' | 'live' {
  const value = snapshot.value;
  return typeof value === 'string' ? value : 'onboarding';
}

/** Every stage the org is in now, qualified by sub-process, e.g. `certification.certifying`. */
export function activeStages(snapshot: OrgOnboardingSnapshot): string[] {
  const stages = Object.entries(processStages(snapshot)).map(
    ([process, stage]) => `${process}.${stage}`,
  );
  return stages.length > 0 ? stages : [orgOnboardingStage(snapshot)];
}

/** The meta of every state the snapshot is in, deepest first per region. */
export function activeStateMeta(snapshot: OrgOnboardingSnapshot): OrgOnboardingStateMeta[] {
  return Object.values(snapshot.getMeta()).filter(
    (meta): meta is OrgOnboardingStateMeta => meta !== undefined,
  );
}

/** An operator event the machine accepts now, with the network it concerns where it needs one. */
export interface AllowedOrgOnboardingEvent {
  type: OrgOnboardingHumanEvent['type'];
  network?: CardNetwork;
}

export function allowedOrgOnboardingHumanEvents(
  snapshot: OrgOnboardingSnapshot,
): AllowedOrgOnboardingEvent[] {
  const stamp = { at: '', by: '' };
  const allowed: AllowedOrgOnboardingEvent[] = [];
  for (const type of ['SERVICE_DESK_ACCESS_GRANTED', 'CONTROL_CENTER_ACCESS_GRANTED'] as const) {
    if (snapshot.can({ type, ...stamp })) allowed.push({ type });
  }
  for (const network of cardNetworks) {
    if (snapshot.can({ type: 'RESTART_CERTIFICATION', network, ...stamp }))
      allowed.push({ type: 'RESTART_CERTIFICATION', network });
  }
  return allowed;
}

/** The child workflows the current stages need, each with a key that names one run of it. */
export type OnboardingChild =
  | { key: string; child: 'environment'; environment: EnvironmentKind }
  | { key: string; child: 'certification'; network: CardNetwork; attempt: number };

export function requiredChildren(snapshot: OrgOnboardingSnapshot): OnboardingChild[] {
  const children: OnboardingChild[] = [];
  for (const meta of activeStateMeta(snapshot)) {
    if (meta.step !== 'child') continue;
    if (meta.child === 'environment') {
      children.push({
        key: `environment:${meta.environment}`,
        child: 'environment',
        environment: meta.environment,
      });
      continue;
    }
    for (const network of cardNetworks) {
      const certification = snapshot.context.certifications[network];
      if (certification?.status !== 'inProgress') continue;
      children.push({
        key: `certification:${network}:${certification.attempt}`,
        child: 'certification',
        network,
        attempt: certification.attempt,
      });
    }
  }
  return children;
}

/** An operator event refused now, with the stages the org is in and what it accepts instead. */
export function orgOnboardingRefusal(snapshot: OrgOnboardingSnapshot, event: OrgOnboardingEvent) {
  const network = 'network' in event ? ` for ${event.network}` : '';
  return {
    message: `${event.type}${network} is not allowed while the org is at ${activeStages(snapshot).join(', ')}`,
    details: {
      stages: activeStages(snapshot),
      allowedEvents: allowedOrgOnboardingHumanEvents(snapshot),
    },
  };
}

/**
 * The stages an org is at, as its Org row records them (and GET /v1/orgs filters on): its overall
 * stage and, while onboarding, each sub-process's, qualified (`certification.certifying`).
 */
export function recordedOnboardingStages(snapshot: OrgOnboardingSnapshot): string[] {
  const stage = orgOnboardingStage(snapshot);
  return stage === 'onboarding' ? [stage, ...activeStages(snapshot)] : [stage];
}

/** Every stage an org can be at, as recordedOnboardingStages names them, read off the machine. */
export const orgOnboardingStageNames: readonly [string, ...string[]] = [
  'onboarding',
  ...Object.entries(orgOnboardingMachine.root.states.onboarding?.states ?? {}).flatMap(
    ([process, node]) => Object.keys(node.states).map((stage) => `${process}.${stage}`),
  ),
  'activating',
  'live',
];
