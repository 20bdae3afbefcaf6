import {
  WorkflowNotFoundError,
  type Client,
  type QueryDefinition,
  type WorkflowHandle,
} from '@temporalio/client';
import { DomainFailure } from '../common/failures.js';
import { workflowIds } from '../common/temporal-names.js';
import {
  environmentKinds,
  type EnvironmentKind,
  type provisioningHumanEventTypes,
} from '../machines/environment-provisioning.js';
import type {
  CardNetwork,
  certificationHumanEventTypes,
} from '../machines/network-certification.js';
import type {
  OnboardingProcess,
  orgOnboardingHumanEventTypes,
} from '../machines/org-onboarding.js';
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
import { machineUpdateFailure } from './workflow-updates.js';

// One view over an org's onboarding: the org's own run plus its environment and certification
// runs; and one door for operator events, each sent, as one Update, to the run whose machine
// takes it.

/** Every event an operator may send, across all of onboarding's processes. */
export type OnboardingEventType =
  | (typeof orgOnboardingHumanEventTypes)[number]
  | (typeof certificationHumanEventTypes)[number]
  | (typeof provisioningHumanEventTypes)[number];

export type OnboardingRun = 'orgOnboarding' | 'networkCertification' | 'environmentProvisioning';

/**
 * Which run takes each operator event, and what the event must name to find that run (or, for
 * a restart, the certification it restarts). The only place an event is routed.
 */
const onboardingEventRoutes = {
  SERVICE_DESK_ACCESS_GRANTED: { run: 'orgOnboarding' },
  CONTROL_CENTER_ACCESS_GRANTED: { run: 'orgOnboarding' },
  RESTART_CERTIFICATION: { run: 'orgOnboarding', names: 'network' },
  KICKOFF_HELD: { run: 'networkCertification', names: 'network' },
  TEST_PLAN_AGREED: { run: 'networkCertification', names: 'network' },
  RESULTS_SUBMITTED: { run: 'networkCertification', names: 'network' },
  CERTIFIED: { run: 'networkCertification', names: 'network' },
  FAILED: { run: 'networkCertification', names: 'network' },
  CANCEL: { run: 'networkCertification', names: 'network' },
  RETRY_STEP: { run: 'environmentProvisioning', names: 'environment' },
} as const satisfies Record<
  OnboardingEventType,
  { run: OnboardingRun; names?: 'network' | 'environment' }
>;

export const onboardingEventTypes = Object.keys(onboardingEventRoutes) as [
  OnboardingEventType,
  ...OnboardingEventType[],
];

/** What an event of this type must name besides its type, if anything. */
export function targetOf(type: OnboardingEventType): 'network' | 'environment' | undefined {
  const route = onboardingEventRoutes[type];
  return 'names' in route ? route.names : undefined;
}

type EventsTakenBy<Run extends OnboardingRun> = {
  [Type in OnboardingEventType]: (typeof onboardingEventRoutes)[Type]['run'] extends Run
    ? Type
    : never;
}[OnboardingEventType];

function takenBy<Run extends OnboardingRun>(
  type: OnboardingEventType,
  run: Run,
): type is EventsTakenBy<Run> {
  return onboardingEventRoutes[type].run === run;
}

export interface OnboardingEventRequest {
  type: OnboardingEventType;
  network?: CardNetwork;
  environment?: EnvironmentKind;
  by: string;
  notes?: string;
}

/** The run the event went to, answered with the run's own view after the event. */
export type OnboardingEventAnswer = { workflow: WorkflowLink } & (
  | { run: 'orgOnboarding'; state: OrgOnboardingView }
  | { run: 'networkCertification'; state: NetworkCertificationView }
  | { run: 'environmentProvisioning'; state: EnvironmentProvisioningView }
);

interface AllowedOnboardingEvent {
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

export function createOnboardingProcesses(deps: {
  temporal: Client;
  workflowLink: WorkflowLinkFn;
}) {
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
   * Sends an operator's event to the run that takes it, as one Update the run's machine
   * validates, and answers with that run's view. A refusal carries the machine's own details. A
   * run that does not exist costs one more call: the org's own run, to say what onboarding waits
   * for (or that the org has no onboarding). `updateId` names the Update, so a retry of the same
   * request is answered with the outcome of the Update that landed.
   */
  async function sendOnboardingEvent(
    orgId: string,
    request: OnboardingEventRequest,
    updateId: string,
  ): Promise<OnboardingEventAnswer> {
    const { type, by } = request;
    const stamp = { by, ...(request.notes ? { notes: request.notes } : {}) };

    async function send<State>(
      run: OnboardingRun,
      workflowId: string,
      what: string,
      update: (handle: WorkflowHandle) => Promise<State>,
    ): Promise<{ workflow: WorkflowLink; state: State }> {
      try {
        return {
          workflow: workflowLink(workflowId),
          state: await update(temporal.workflow.getHandle(workflowId)),
        };
      } catch (error) {
        const failure = machineUpdateFailure(error, what);
        if (!(failure instanceof DomainFailure)) throw failure;
        if (failure.kind === 'NOT_FOUND' && run !== 'orgOnboarding')
          throw await refusedNow(orgId, (overview) => notStarted(orgId, overview, request, what));
        if (failure.kind === 'TRANSITION_NOT_ALLOWED')
          throw await refusedNow(orgId, () => ({
            message: failure.message,
            details: failure.details,
          }));
        throw failure;
      }
    }

    if (takenBy(type, 'orgOnboarding')) {
      const event =
        type === 'RESTART_CERTIFICATION'
          ? { type, network: named(request.network, 'network'), ...stamp }
          : { type, ...stamp };
      const answer = await send(
        'orgOnboarding',
        workflowIds.orgOnboarding(orgId),
        `onboarding of org ${orgId}`,
        (handle) => handle.executeUpdate(sendOrgOnboardingEventUpdate, { args: [event], updateId }),
      );
      return { run: 'orgOnboarding', ...answer };
    }
    if (takenBy(type, 'networkCertification')) {
      const network = named(request.network, 'network');
      const answer = await send(
        'networkCertification',
        workflowIds.networkCertification(orgId, network),
        `${network} certification of org ${orgId}`,
        (handle) =>
          handle.executeUpdate(sendCertificationEventUpdate, {
            args: [{ type, ...stamp }],
            updateId,
          }),
      );
      return { run: 'networkCertification', ...answer };
    }
    const environment = named(request.environment, 'environment');
    const answer = await send(
      'environmentProvisioning',
      workflowIds.environmentProvisioning(orgId, environment),
      `${environment} environment of org ${orgId}`,
      (handle) =>
        handle.executeUpdate(sendEnvironmentProvisioningEventUpdate, {
          args: [{ type, ...stamp }],
          updateId,
        }),
    );
    return { run: 'environmentProvisioning', ...answer };
  }

  /**
   * A refusal with every event onboarding accepts now, as the overview lists them (the board's
   * buttons), whichever run refused: what a caller may send instead is never one run's view
   * alone. Costs the overview's queries, on refusals only.
   */
  async function refusedNow(
    orgId: string,
    why: (overview: OnboardingOverview) => { message: string; details: Record<string, unknown> },
  ): Promise<DomainFailure> {
    const overview = await getOnboarding(orgId);
    if (!overview) return DomainFailure.notFound(`onboarding of org ${orgId}`);
    const { message, details } = why(overview);
    return new DomainFailure('TRANSITION_NOT_ALLOWED', message, {
      ...details,
      allowedEvents: overview.allowedEvents,
    });
  }

  return { getOnboarding, requireOnboarding, sendOnboardingEvent };
}

/** Why an event's run is not there: the org certifies no such network, or its turn has not come. */
function notStarted(
  orgId: string,
  overview: OnboardingOverview,
  request: OnboardingEventRequest,
  what: string,
) {
  const certifies = overview.processes.flatMap((p) =>
    p.process === 'certification' && p.network ? [p.network] : [],
  );
  return {
    message:
      request.network && !certifies.includes(request.network)
        ? `org ${orgId} does not certify with ${request.network} (its onboarding certifies ${certifies.join(', ')})`
        : `${what} has not started; the onboarding is at ${overview.stages.join(', ')}`,
    details: { stages: overview.stages, waitingFor: overview.waitingFor },
  };
}

/** The network or environment an event names, which its route needs to find the run. */
function named<Value>(value: Value | undefined, field: 'network' | 'environment'): Value {
  if (value === undefined)
    throw DomainFailure.invalid([{ field, rule: 'required', message: 'is required' }]);
  return value;
}

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
