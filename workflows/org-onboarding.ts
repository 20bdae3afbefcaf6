import {
  condition,
  defineQuery,
  defineUpdate,
  executeChild,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { initialTransition, transition } from 'xstate';
import type { OrgActivities } from '../activities/org-activities.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { CardNetwork } from '../machines/network-certification.js';
import {
  activeStages,
  activeStateMeta,
  allowedOrgOnboardingHumanEvents,
  orgOnboardingMachine,
  orgOnboardingStage,
  processStages,
  requiredChildren,
  type AllowedOrgOnboardingEvent,
  type OnboardingChild,
  type OnboardingProcess,
  type OrgOnboardingContext,
  type OrgOnboardingEvent,
  type OrgOnboardingHumanEvent,
  type OrgOnboardingStep,
} from '../machines/org-onboarding.js';
import { environmentProvisioning } from './environment-provisioning.js';
import { networkCertification } from './network-certification.js';
import { handleMachineEvents } from './refusal.js';

// Hosts the org's onboarding machine. Environments and certifications run as child workflows
// (one per environment kind, one per network); when one ends, its end becomes a machine event.
// People's steps arrive as Updates the machine validates.

export interface OrgOnboardingInput {
  orgId: string;
  networks: CardNetwork[];
  certification: { reminderAfterDays: number; deadlineDays: number };
  /** Attempts per environment provisioning step before it shows as failed */
  provisioningAttemptsPerStep?: number;
}

/** An operator's event as it arrives over HTTP; the workflow stamps the time. */
export interface OrgOnboardingEventInput {
  type: OrgOnboardingHumanEvent['type'];
  network?: CardNetwork;
  by: string;
  notes?: string;
}

export interface OrgOnboardingView {
  orgId: string;
  stage: 'onboarding' | 'activating' | 'live';
  done: boolean;
  /** Each sub-process's stage while they run */
  processes: Partial<Record<OnboardingProcess, string>>;
  /** Every stage the run is in, as its Stage search attribute lists them */
  stages: string[];
  certifications: OrgOnboardingContext['certifications'];
  /** Operator events the org's own machine accepts now */
  allowedEvents: AllowedOrgOnboardingEvent[];
  /** What the current stages wait for */
  waitingFor: string[];
  history: OrgOnboardingStep[];
}

export const getOrgOnboardingQuery = defineQuery<OrgOnboardingView>('getOrgOnboarding');
export const sendOrgOnboardingEventUpdate = defineUpdate<
  OrgOnboardingView,
  [OrgOnboardingEventInput]
>('sendOrgOnboardingEvent');

const activities = proxyActivities<OrgActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function orgOnboarding(input: OrgOnboardingInput): Promise<OrgOnboardingView> {
  let [snapshot] = initialTransition(orgOnboardingMachine, {
    orgId: input.orgId,
    networks: input.networks,
  });
  // Runs are started with their search attributes only where the server has them registered
  // (not on the time-skipping test server); upserting an unknown one would fail every task.
  const indexed = workflowInfo().typedSearchAttributes.get(searchAttributes.orgId) !== undefined;
  const now = () => new Date().toISOString();
  let changes = 0;
  let childFailure: Error | undefined;

  const apply = (event: OrgOnboardingEvent): void => {
    [snapshot] = transition(orgOnboardingMachine, snapshot, event);
    changes += 1;
    if (indexed)
      upsertSearchAttributes([{ key: searchAttributes.stage, value: activeStages(snapshot) }]);
  };
  const view = (): OrgOnboardingView => ({
    orgId: input.orgId,
    stage: orgOnboardingStage(snapshot),
    done: snapshot.status === 'done',
    processes: processStages(snapshot),
    stages: activeStages(snapshot),
    certifications: snapshot.context.certifications,
    allowedEvents: allowedOrgOnboardingHumanEvents(snapshot),
    waitingFor: activeStateMeta(snapshot)
      .filter((meta) => meta.step !== 'done')
      .map((meta) => meta.description),
    history: snapshot.context.history,
  });

  setHandler(getOrgOnboardingQuery, view);
  handleMachineEvents(sendOrgOnboardingEventUpdate, {
    allowed: (event) =>
      allowedOrgOnboardingHumanEvents(snapshot).some(
        (a) => a.type === event.type && a.network === event.network,
      ),
    refusal: (event) => ({
      message: `${event.type}${event.network ? ` for ${event.network}` : ''} is not allowed while the org is at ${activeStages(snapshot).join(', ')}`,
      details: {
        stages: activeStages(snapshot),
        allowedEvents: allowedOrgOnboardingHumanEvents(snapshot),
      },
    }),
    apply: (event) => apply({ ...event, at: now() } as OrgOnboardingEvent),
    view,
  });

  const childSearchAttributes = (
    extra: SearchAttributePair[],
  ): { typedSearchAttributes?: SearchAttributePair[] } =>
    indexed
      ? { typedSearchAttributes: [{ key: searchAttributes.orgId, value: input.orgId }, ...extra] }
      : {};

  async function runChild(child: OnboardingChild): Promise<OrgOnboardingEvent> {
    const memo = { orgId: input.orgId };
    if (child.child === 'environment') {
      await executeChild(environmentProvisioning, {
        workflowId: workflowIds.environmentProvisioning(input.orgId, child.environment),
        args: [
          {
            orgId: input.orgId,
            environment: child.environment,
            maxAttemptsPerStep: input.provisioningAttemptsPerStep,
          },
        ],
        memo,
        ...childSearchAttributes([{ key: searchAttributes.stage, value: ['provisioning'] }]),
      });
      return { type: 'ENVIRONMENT_READY', environment: child.environment, at: now(), by: 'system' };
    }
    const result = await executeChild(networkCertification, {
      workflowId: workflowIds.networkCertification(input.orgId, child.network),
      args: [
        { orgId: input.orgId, network: child.network, startedAt: now(), ...input.certification },
      ],
      memo,
      ...childSearchAttributes([
        { key: searchAttributes.network, value: child.network },
        { key: searchAttributes.stage, value: ['kickoff'] },
        { key: searchAttributes.escalated, value: false },
      ]),
    });
    return {
      type: 'CERTIFICATION_ENDED',
      network: child.network,
      outcome: result.stage === 'certified' ? 'certified' : 'cancelled',
      at: now(),
      by: 'system',
    };
  }

  const started = new Set<string>();
  while (snapshot.status !== 'done') {
    for (const child of requiredChildren(snapshot)) {
      if (started.has(child.key)) continue;
      started.add(child.key);
      void runChild(child).then(apply, (error: unknown) => {
        childFailure = error instanceof Error ? error : new Error(String(error));
      });
    }
    const automatic = activeStateMeta(snapshot).find((meta) => meta.step === 'automatic');
    if (automatic?.step === 'automatic') {
      await activities[automatic.activity]({ orgId: input.orgId });
      apply({ type: automatic.doneEvent, at: now(), by: 'system' });
      continue;
    }
    const seen = changes;
    await condition(() => changes !== seen || childFailure !== undefined);
    // A child that did not end normally (terminated by hand, say) fails the onboarding visibly.
    if (childFailure !== undefined) throw childFailure;
  }
  return view();
}
