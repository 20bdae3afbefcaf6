import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition } from 'xstate';
import type { CertificationActivities } from '../activities/certification-activities.js';
import type { NotificationActivities } from '../activities/notification-activities.js';
import { searchAttributes } from '../common/temporal-names.js';
import {
  allowedCertificationEvents,
  certificationRefusal,
  certificationStage,
  certificationTimes,
  dueCertificationEvent,
  networkCertificationMachine,
  type CardNetwork,
  type CertificationContext,
  type CertificationHumanEvent,
  type CertificationSchedule,
  type CertificationStage,
  type CertificationStep,
} from '../machines/network-certification.js';
import type { Unstamped } from '../machines/steps.js';
import { hostMachine } from './machine-host.js';

// Tracks one network's certification of one org for as long as it takes (up to six months and
// beyond): people move it forward through Updates the machine validates; the workflow sends the
// reminders and the escalation the machine says are due. It continues as new when its history
// grows, carrying the machine's state, so its history stays bounded.

export interface NetworkCertificationInput extends CertificationSchedule {
  orgId: string;
  network: CardNetwork;
  /** History length after which the run continues as new */
  maxHistoryEvents?: number;
  /** The machine's state, carried across continue-as-new */
  resume?: { stage: CertificationStage; context: CertificationContext };
}

/** An operator's event as it arrives over HTTP; the workflow stamps the time. */
export type CertificationEventInput = Unstamped<CertificationHumanEvent>;

export interface NetworkCertificationView {
  orgId: string;
  network: CardNetwork;
  stage: CertificationStage;
  done: boolean;
  escalated: boolean;
  deadline: string;
  remindersSent: number;
  allowedEvents: CertificationHumanEvent['type'][];
  history: CertificationStep[];
}

export const getCertificationQuery = defineQuery<NetworkCertificationView>('getCertification');
export const sendCertificationEventUpdate = defineUpdate<
  NetworkCertificationView,
  [CertificationEventInput]
>('sendCertificationEvent');

const { sendNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

const { recordCertificationSteps } = proxyActivities<CertificationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function networkCertification(
  input: NetworkCertificationInput,
): Promise<NetworkCertificationView> {
  const host = hostMachine({
    machine: networkCertificationMachine,
    snapshot: input.resume
      ? networkCertificationMachine.resolveState({
          value: input.resume.stage,
          context: input.resume.context,
        })
      : initialTransition(networkCertificationMachine, {
          network: input.network,
          startedAt: input.startedAt,
        })[0],
    query: getCertificationQuery,
    view: (snapshot): NetworkCertificationView => ({
      orgId: input.orgId,
      network: input.network,
      stage: certificationStage(snapshot),
      done: snapshot.status === 'done',
      escalated: snapshot.context.escalated,
      deadline: new Date(certificationTimes(snapshot.context, input).deadline).toISOString(),
      remindersSent: snapshot.context.remindersSent,
      allowedEvents: allowedCertificationEvents(snapshot),
      history: snapshot.context.history,
    }),
    searchAttributes: (snapshot) => [
      { key: searchAttributes.stage, value: [certificationStage(snapshot)] },
      { key: searchAttributes.escalated, value: snapshot.context.escalated },
    ],
    refusal: certificationRefusal,
  });
  host.accept(sendCertificationEventUpdate, (event, at) => ({ ...event, at }));
  const now = () => new Date().toISOString();
  const subject = (what: string) => `${input.network} certification ${what}`;
  // A reminder or the escalation as the org's event, recorded with its notification (keyed by the
  // certification's start and what it is about, so a retried send records it once). Only the
  // notification's input grew, not the commands: runs recorded before this replay as they were.
  const alertEvent = (what: string) => ({
    key: `certification:${input.orgId}:${input.network}:${input.startedAt}:${what}`,
    orgId: input.orgId,
    environmentId: null,
    subjectType: 'certification' as const,
    subjectId: `${input.orgId}:${input.network}`,
  });
  const alertPayload = () => ({
    orgId: input.orgId,
    network: input.network,
    startedAt: input.startedAt,
    stage: certificationStage(host.snapshot),
    lastProgressAt: host.snapshot.context.lastProgressAt,
    deadline: new Date(certificationTimes(host.snapshot.context, input).deadline).toISOString(),
  });

  // Every step the history gained since the last call becomes the org's event (keyed by the
  // certification's start and the step's position, so a retry writes none twice). A run carried
  // across continue-as-new has recorded what its history held. Runs recorded before this have no
  // marker for the patch and replay without it.
  let recordedSteps = input.resume ? input.resume.context.history.length : 0;
  async function recordSteps(): Promise<void> {
    const history = host.snapshot.context.history;
    if (recordedSteps >= history.length || !patched('certification-events')) return;
    const from = recordedSteps;
    recordedSteps = history.length;
    await recordCertificationSteps({
      orgId: input.orgId,
      network: input.network,
      startedAt: input.startedAt,
      steps: history.slice(from).map((step, i) => ({ ...step, index: from + i })),
    });
  }

  while (host.snapshot.status !== 'done') {
    const before = host.version;
    await recordSteps();
    // An Update that landed while the steps were recorded is looked at first
    if (host.version !== before) continue;
    if (
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > (input.maxHistoryEvents ?? 5_000)
    ) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof networkCertification>({
        ...input,
        resume: { stage: certificationStage(host.snapshot), context: host.snapshot.context },
      });
    }
    const context = host.snapshot.context;
    const seen = host.version;
    const moved = await condition(
      () => host.version !== seen,
      Math.max(1, certificationTimes(context, input).wakeAt - Date.now()),
    );
    if (moved) continue;

    if (dueCertificationEvent(host.snapshot.context, input, Date.now()) === 'DEADLINE_PASSED') {
      await sendNotification({
        orgId: input.orgId,
        kind: 'certification-escalation',
        dedupeKey: `${workflowInfo().workflowId}:escalation`,
        subject: subject('is past its deadline'),
        body: `The ${input.network} certification started ${input.startedAt} is still at ${certificationStage(host.snapshot)} after ${input.deadlineDays} days.`,
        event: {
          type: 'certification.escalated',
          ...alertEvent('escalation'),
          payload: alertPayload(),
        },
      });
      host.apply({ type: 'DEADLINE_PASSED', at: now(), by: 'system' });
    }
    if (dueCertificationEvent(host.snapshot.context, input, Date.now()) === 'REMINDER_SENT') {
      const { lastProgressAt, remindersSinceProgress } = host.snapshot.context;
      await sendNotification({
        orgId: input.orgId,
        kind: 'certification-reminder',
        dedupeKey: `${workflowInfo().workflowId}:reminder:${lastProgressAt}:${remindersSinceProgress + 1}`,
        subject: subject('has not moved'),
        body: `No progress on the ${input.network} certification since ${lastProgressAt}; it waits at ${certificationStage(host.snapshot)}.`,
        event: {
          type: 'certification.reminder_sent',
          ...alertEvent(`reminder:${lastProgressAt}:${remindersSinceProgress + 1}`),
          payload: { ...alertPayload(), reminder: remindersSinceProgress + 1 },
        },
      });
      host.apply({ type: 'REMINDER_SENT', at: now(), by: 'system' });
    }
  }
  await recordSteps();
  return host.view();
}
