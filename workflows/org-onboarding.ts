import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type { OrgActivities } from '../activities/org-activities.js';
import type { FailureType } from '../common/failures.js';
import { searchAttributes } from '../common/temporal-names.js';
import {
  allowedOrgOnboardingHumanEvents,
  orgOnboardingHumanEventTypes,
  orgOnboardingMachine,
  orgOnboardingStage,
  orgOnboardingStageMeta,
  type OrgOnboardingEvent,
  type OrgOnboardingHumanEvent,
  type OrgOnboardingStage,
  type OrgOnboardingStep,
} from '../machines/org-onboarding.js';

export interface OrgOnboardingInput {
  orgId: string;
}

/** An operator's event as it arrives over HTTP; the workflow stamps the time. */
export interface OrgOnboardingEventInput {
  type: OrgOnboardingHumanEvent['type'];
  by: string;
  notes?: string;
}

export interface OrgOnboardingView {
  orgId: string;
  stage: OrgOnboardingStage;
  done: boolean;
  /** Operator events the process accepts now */
  allowedEvents: OrgOnboardingHumanEvent['type'][];
  /** What the current stage is waiting for */
  waitingFor: string;
  history: OrgOnboardingStep[];
}

export const getOrgOnboardingQuery = defineQuery<OrgOnboardingView>('getOrgOnboarding');
export const sendOrgOnboardingEventUpdate = defineUpdate<OrgOnboardingView, [OrgOnboardingEventInput]>(
  'sendOrgOnboardingEvent',
);

const activities = proxyActivities<OrgActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function orgOnboarding(input: OrgOnboardingInput): Promise<OrgOnboardingView> {
  let [snapshot] = initialTransition(orgOnboardingMachine, { orgId: input.orgId });
  // Runs are started with their search attributes only where the server has them registered
  // (not on the time-skipping test server); upserting an unknown one would fail every task.
  const indexed = workflowInfo().typedSearchAttributes.get(searchAttributes.orgId) !== undefined;

  const view = (): OrgOnboardingView => ({
    orgId: input.orgId,
    stage: orgOnboardingStage(snapshot),
    done: snapshot.status === 'done',
    allowedEvents: allowedOrgOnboardingHumanEvents(snapshot),
    waitingFor: orgOnboardingStageMeta(snapshot).description,
    history: snapshot.context.history,
  });

  const apply = (event: OrgOnboardingEvent): void => {
    [snapshot] = transition(orgOnboardingMachine, snapshot, event);
    if (indexed) {
      upsertSearchAttributes([{ key: searchAttributes.onboardingStage, value: orgOnboardingStage(snapshot) }]);
    }
  };

  setHandler(getOrgOnboardingQuery, view);
  setHandler(
    sendOrgOnboardingEventUpdate,
    (event) => {
      apply({ ...event, at: new Date().toISOString() });
      return view();
    },
    {
      validator: (event: OrgOnboardingEventInput) => {
        const allowed = allowedOrgOnboardingHumanEvents(snapshot);
        const known = (orgOnboardingHumanEventTypes as readonly string[]).includes(event.type);
        if (!known || !allowed.includes(event.type)) {
          throw ApplicationFailure.create({
            type: 'TRANSITION_NOT_ALLOWED' satisfies FailureType,
            message: `${event.type} is not allowed while the org is in stage ${orgOnboardingStage(snapshot)}`,
            details: [{ stage: orgOnboardingStage(snapshot), allowedEvents: allowed }],
            nonRetryable: true,
          });
        }
      },
    },
  );

  while (snapshot.status !== 'done') {
    const meta = orgOnboardingStageMeta(snapshot);
    const stage = orgOnboardingStage(snapshot);
    if (meta.step === 'automatic') {
      await activities[meta.activity]({ orgId: input.orgId });
      apply({ type: meta.doneEvent, at: new Date().toISOString(), by: 'system' });
    } else {
      await condition(() => orgOnboardingStage(snapshot) !== stage);
    }
  }
  return view();
}
