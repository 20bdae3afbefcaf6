import {
  condition,
  defineQuery,
  defineUpdate,
  executeChild,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { initialTransition } from 'xstate';
import type { OrgActivities } from '../activities/org-activities.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import { certificationOutcome, type CardNetwork } from '../machines/network-certification.js';
import {
  activeStages,
  activeStateMeta,
  allowedOrgOnboardingHumanEvents,
  orgOnboardingMachine,
  orgOnboardingRefusal,
  orgOnboardingStage,
  processStages,
  recordedOnboardingStages,
  requiredChildren,
  type AllowedOrgOnboardingEvent,
  type OnboardingChild,
  type OnboardingProcess,
  type OrgOnboardingContext,
  type OrgOnboardingEvent,
  type OrgOnboardingHumanEvent,
  type OrgOnboardingStep,
} from '../machines/org-onboarding.js';
import type { Unstamped } from '../machines/steps.js';
import { environmentProvisioning } from './environment-provisioning.js';
import { hostMachine, runHasSearchAttributes } from './machine-host.js';
import { networkCertification } from './network-certification.js';

// Hosts the org's onboarding machine. Environments and certifications run as child workflows
// (one per environment kind, one per network); when one ends, its end becomes a machine event.
// People's steps arrive as Updates the machine validates.

export interface OrgOnboardingInput {
  orgId: string;
  /** For the child runs' summaries in the Web UI; absent on runs started before it was passed */
  legalName?: string;
  networks: CardNetwork[];
  certification: { reminderAfterDays: number; deadlineDays: number };
  /** Attempts per environment provisioning step before it shows as failed */
  provisioningAttemptsPerStep?: number;
}

/** An operator's event as it arrives over HTTP; the workflow stamps the time. */
export type OrgOnboardingEventInput = Unstamped<OrgOnboardingHumanEvent>;

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
  const host = hostMachine({
    machine: orgOnboardingMachine,
    snapshot: initialTransition(orgOnboardingMachine, {
      orgId: input.orgId,
      networks: input.networks,
    })[0],
    query: getOrgOnboardingQuery,
    view: (snapshot): OrgOnboardingView => ({
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
    }),
    searchAttributes: (snapshot) => [
      { key: searchAttributes.stage, value: activeStages(snapshot) },
    ],
    refusal: orgOnboardingRefusal,
  });
  host.accept(sendOrgOnboardingEventUpdate, (event, at) => ({ ...event, at }));
  const indexed = runHasSearchAttributes();
  const now = () => new Date().toISOString();
  let childFailure: Error | undefined;

  const childSearchAttributes = (
    extra: SearchAttributePair[],
  ): { typedSearchAttributes?: SearchAttributePair[] } =>
    indexed
      ? { typedSearchAttributes: [{ key: searchAttributes.orgId, value: input.orgId }, ...extra] }
      : {};

  const orgName = input.legalName ?? `org ${input.orgId}`;
  const orgDetails = `**Org:** ${input.legalName ? `${input.legalName} (${input.orgId})` : input.orgId}`;

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
        staticSummary: `Environment · ${child.environment} · ${orgName}`,
        staticDetails: `${orgDetails}  \n**Environment:** ${child.environment}`,
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
      staticSummary: `Certification · ${child.network} · ${orgName}`,
      staticDetails: `${orgDetails}  \n**Network:** ${child.network}`,
      ...childSearchAttributes([
        { key: searchAttributes.network, value: child.network },
        { key: searchAttributes.stage, value: ['kickoff'] },
        { key: searchAttributes.escalated, value: false },
      ]),
    });
    return {
      type: 'CERTIFICATION_ENDED',
      network: child.network,
      outcome: certificationOutcome(result.stage),
      at: now(),
      by: 'system',
    };
  }

  // The org's row follows the run's stages (GET /v1/orgs filters on them): one activity at a time,
  // so a later stage never lands before an earlier one. Runs recorded before this was added have
  // no marker for the patch and replay as they ran; they record from their next live step on.
  // The same activity records the steps taken since its last call as the org's events (keyed by
  // their position in the history, so a retry or a replayed call writes none twice).
  let recordedVersion = -1;
  let recordedSteps = 0;
  async function recordStages(): Promise<void> {
    while (recordedVersion !== host.version && patched('record-onboarding-stages')) {
      const version = host.version;
      const history = host.snapshot.context.history;
      await activities.recordOnboardingStages({
        orgId: input.orgId,
        stages: recordedOnboardingStages(host.snapshot),
        steps: history.slice(recordedSteps).map((step, i) => ({
          ...step,
          index: recordedSteps + i,
          ...('environment' in step && typeof step.environment === 'string'
            ? { environment: step.environment }
            : {}),
        })),
      });
      recordedVersion = version;
      recordedSteps = history.length;
    }
  }

  const started = new Set<string>();
  while (host.snapshot.status !== 'done') {
    for (const child of requiredChildren(host.snapshot)) {
      if (started.has(child.key)) continue;
      started.add(child.key);
      void runChild(child).then(host.apply, (error: unknown) => {
        childFailure = error instanceof Error ? error : new Error(String(error));
      });
    }
    const automatic = activeStateMeta(host.snapshot).find((meta) => meta.step === 'automatic');
    if (automatic?.step === 'automatic') {
      await activities[automatic.activity]({ orgId: input.orgId });
      host.apply({ type: automatic.doneEvent, at: now(), by: 'system' });
      continue;
    }
    const seen = host.version;
    await recordStages();
    await condition(() => host.version !== seen || childFailure !== undefined);
    // A child that did not end normally (terminated by hand, say) fails the onboarding visibly.
    if (childFailure !== undefined) throw childFailure;
  }
  await recordStages();
  return host.view();
}
