import { WorkflowNotFoundError, type Client, type QueryDefinition } from '@temporalio/client';
import { workflowIds } from '../common/temporal-names.js';
import {
  environmentKinds,
  provisioningHumanEventTypes,
  type EnvironmentKind,
} from '../machines/environment-provisioning.js';
import {
  certificationHumanEventTypes,
  type CardNetwork,
} from '../machines/network-certification.js';
import {
  orgOnboardingHumanEventTypes,
  type OnboardingProcess,
} from '../machines/org-onboarding.js';
import { DomainFailure } from '../common/failures.js';
import {
  getEnvironmentProvisioningQuery,
  sendEnvironmentProvisioningEventUpdate,
  type EnvironmentProvisioningView,
} from '../workflows/environment-provisioning.js';
import {
  getCertificationQuery,
  sendCertificationEventUpdate,
  type NetworkCertificationView,
} from '../workflows/network-certification.js';
import {
  getOrgOnboardingQuery,
  sendOrgOnboardingEventUpdate,
  type OrgOnboardingView,
} from '../workflows/org-onboarding.js';
import type { WorkflowLink, WorkflowLinkFn } from './workflow-links.js';
import { executeMachineUpdate } from './workflow-updates.js';

// One view over an org's onboarding: the org's own run plus its environment and certification
// child runs, and one door for operator events, each sent to the run it belongs to.

/** Every event an operator may send, across all of onboarding's processes. */
export const onboardingEventTypes = [
  ...orgOnboardingHumanEventTypes,
  ...certificationHumanEventTypes,
  ...provisioningHumanEventTypes,
] as const;
export type OnboardingEventType = (typeof onboardingEventTypes)[number];

/** Which events need a network or an environment to say which run they are for. */
export const eventsNeedingNetwork: readonly OnboardingEventType[] = [
  'RESTART_CERTIFICATION',
  ...certificationHumanEventTypes,
];
export const eventsNeedingEnvironment: readonly OnboardingEventType[] = provisioningHumanEventTypes;

export interface OnboardingEventRequest {
  type: OnboardingEventType;
  network?: CardNetwork;
  environment?: EnvironmentKind;
  by: string;
  notes?: string;
}

export interface AllowedOnboardingEvent {
  type: OnboardingEventType;
  network?: CardNetwork;
  environment?: EnvironmentKind;
}

export interface OnboardingProcessView {
  process: OnboardingProcess;
  network?: CardNetwork;
  environment?: EnvironmentKind;
  stage: string;
  done: boolean;
  /** The child run, once it has started */
  workflow?: WorkflowLink;
  /** What the child run says of itself: its failed step, reminders, deadline, steps */
  details?: Record<string, unknown>;
}

export interface OnboardingOverview {
  orgId: string;
  stage: OrgOnboardingView['stage'];
  /** The org run's own stages, e.g. `certification.certifying` */
  stages: string[];
  done: boolean;
  processes: OnboardingProcessView[];
  /** Every operator event some process accepts now, with the run it goes to */
  allowedEvents: AllowedOnboardingEvent[];
  waitingFor: string[];
  history: OrgOnboardingView['history'];
  workflow: WorkflowLink;
}

export function createOnboardingService(deps: { temporal: Client; workflowLink: WorkflowLinkFn }) {
  const { temporal, workflowLink } = deps;

  async function queryRun<T>(
    workflowId: string,
    query: QueryDefinition<T>,
  ): Promise<{ view: T; link: WorkflowLink } | null> {
    const handle = temporal.workflow.getHandle(workflowId);
    try {
      const [view, description] = await Promise.all([handle.query(query), handle.describe()]);
      return { view, link: workflowLink(workflowId, description.runId) };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /** The onboarding as its runs see it now, or null if the org has no onboarding run. */
  async function getOnboarding(orgId: string): Promise<OnboardingOverview | null> {
    const org = await queryRun(workflowIds.orgOnboarding(orgId), getOrgOnboardingQuery);
    if (!org) return null;
    const { view } = org;
    const networks = Object.keys(view.certifications) as CardNetwork[];
    const [environments, certifications] = await Promise.all([
      Promise.all(
        environmentKinds.map((kind) =>
          queryRun(
            workflowIds.environmentProvisioning(orgId, kind),
            getEnvironmentProvisioningQuery,
          ),
        ),
      ),
      Promise.all(
        networks.map((network) =>
          view.certifications[network]?.status === 'waiting'
            ? Promise.resolve(null)
            : queryRun(workflowIds.networkCertification(orgId, network), getCertificationQuery),
        ),
      ),
    ]);

    const ownStage = (process: OnboardingProcess) => view.processes[process];
    const processes: OnboardingProcessView[] = [
      {
        process: 'serviceDesk',
        stage: ownStage('serviceDesk') ?? 'granted',
        done: (ownStage('serviceDesk') ?? 'granted') === 'granted',
      },
      ...environmentKinds.map((kind, index) =>
        environmentProcess(
          kind,
          environments[index] ?? null,
          ownStage(kind === 'TEST' ? 'testEnvironment' : 'productionEnvironment'),
        ),
      ),
      ...networks.map((network, index) =>
        certificationProcess(network, certifications[index] ?? null),
      ),
      {
        process: 'controlCenter',
        stage: ownStage('controlCenter') ?? 'granted',
        done: (ownStage('controlCenter') ?? 'granted') === 'granted',
      },
    ];
    const allowedEvents: AllowedOnboardingEvent[] = [
      ...view.allowedEvents,
      ...environments.flatMap((run) =>
        run
          ? run.view.allowedEvents.map((type) => ({ type, environment: run.view.environment }))
          : [],
      ),
      ...certifications.flatMap((run) =>
        run ? run.view.allowedEvents.map((type) => ({ type, network: run.view.network })) : [],
      ),
    ];
    return {
      orgId,
      stage: view.stage,
      stages: view.stages,
      done: view.done,
      processes,
      allowedEvents,
      waitingFor: view.waitingFor,
      history: view.history,
      workflow: org.link,
    };
  }

  /** The onboarding now, or 404 when the org has no onboarding run. */
  async function requireOnboarding(orgId: string): Promise<OnboardingOverview> {
    const overview = await getOnboarding(orgId);
    if (!overview) throw DomainFailure.notFound(`onboarding of org ${orgId}`);
    return overview;
  }

  /**
   * Sends an operator's event to the run it is for: the org's own, an environment's or a
   * network's, whose machine decides. An event no process accepts now (or for a run onboarding
   * does not have) is refused with every event that is accepted.
   */
  async function sendOnboardingEvent(
    org: { id: string; networks: CardNetwork[] },
    event: OnboardingEventRequest,
  ): Promise<OnboardingOverview> {
    const orgId = org.id;
    const { type, by, notes } = event;
    const stamp = { by, ...(notes ? { notes } : {}) };
    try {
      if (event.network && !org.networks.includes(event.network))
        throw new DomainFailure(
          'TRANSITION_NOT_ALLOWED',
          `org ${orgId} does not certify with ${event.network}`,
        );
      if ((orgOnboardingHumanEventTypes as readonly string[]).includes(type)) {
        const handle = temporal.workflow.getHandle(workflowIds.orgOnboarding(orgId));
        await executeMachineUpdate(
          handle,
          sendOrgOnboardingEventUpdate,
          { type: type as never, ...(event.network ? { network: event.network } : {}), ...stamp },
          `onboarding of org ${orgId}`,
        );
      } else if (event.network) {
        const handle = temporal.workflow.getHandle(
          workflowIds.networkCertification(orgId, event.network),
        );
        await executeMachineUpdate(
          handle,
          sendCertificationEventUpdate,
          { type: type as never, ...stamp },
          `${event.network} certification of org ${orgId}`,
        );
      } else if (event.environment) {
        const handle = temporal.workflow.getHandle(
          workflowIds.environmentProvisioning(orgId, event.environment),
        );
        await executeMachineUpdate(
          handle,
          sendEnvironmentProvisioningEventUpdate,
          { type: type as never, ...stamp },
          `${event.environment} environment of org ${orgId}`,
        );
      }
    } catch (error) {
      // A run that refused the event, has ended, or has not started yet: answer with what the
      // whole onboarding accepts now.
      if (
        !(error instanceof DomainFailure) ||
        (error.kind !== 'TRANSITION_NOT_ALLOWED' && error.kind !== 'NOT_FOUND')
      ) {
        throw error;
      }
      const { allowedEvents } = await requireOnboarding(orgId);
      const target = event.network ?? event.environment;
      throw new DomainFailure(
        'TRANSITION_NOT_ALLOWED',
        `${type}${target ? ` for ${target}` : ''} is not allowed now in the onboarding of org ${orgId}`,
        {
          allowedEvents,
        },
      );
    }
    return requireOnboarding(orgId);
  }

  return { getOnboarding, requireOnboarding, sendOnboardingEvent };
}

export type OnboardingService = ReturnType<typeof createOnboardingService>;

function environmentProcess(
  environment: EnvironmentKind,
  run: { view: EnvironmentProvisioningView; link: WorkflowLink } | null,
  ownStage: string | undefined,
): OnboardingProcessView {
  const process = environment === 'TEST' ? 'testEnvironment' : 'productionEnvironment';
  if (!run) return { process, environment, stage: ownStage ?? 'notStarted', done: false };
  const { view, link } = run;
  return {
    process,
    environment,
    stage: view.stage,
    done: view.done,
    workflow: link,
    details: {
      failedStep: view.failedStep,
      lastError: view.lastError,
      waitingFor: view.waitingFor,
      history: view.history,
    },
  };
}

function certificationProcess(
  network: CardNetwork,
  run: { view: NetworkCertificationView; link: WorkflowLink } | null,
): OnboardingProcessView {
  if (!run)
    return { process: 'certification', network, stage: 'waitingForTestEnvironment', done: false };
  const { view, link } = run;
  return {
    process: 'certification',
    network,
    stage: view.stage,
    done: view.done,
    workflow: link,
    details: {
      escalated: view.escalated,
      deadline: view.deadline,
      remindersSent: view.remindersSent,
      history: view.history,
    },
  };
}
