import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type { NotificationActivities } from '../activities/notification-activities.js';
import { searchAttributes } from '../common/temporal-names.js';
import {
  allowedCertificationEvents,
  certificationStage,
  networkCertificationMachine,
  type CardNetwork,
  type CertificationContext,
  type CertificationEvent,
  type CertificationHumanEvent,
  type CertificationStage,
  type CertificationStep,
} from '../machines/network-certification.js';
import { handleMachineEvents } from './refusal.js';

// Tracks one network's certification of one org for as long as it takes (up to six months and
// beyond): people move it forward through Updates the machine validates; the workflow reminds
// when nothing moves for a while and escalates, visibly, once the deadline passes. It continues
// as new when its history grows, carrying the machine's state, so its history stays bounded.

const DAY_MS = 24 * 3600 * 1000;

export interface NetworkCertificationInput {
  orgId: string;
  network: CardNetwork;
  /** ISO-8601 start of the certification; the deadline counts from here */
  startedAt: string;
  reminderAfterDays: number;
  deadlineDays: number;
  /** History length after which the run continues as new */
  maxHistoryEvents?: number;
  /** The machine's state, carried across continue-as-new */
  resume?: { stage: CertificationStage; context: CertificationContext };
}

export interface CertificationEventInput {
  type: CertificationHumanEvent['type'];
  by: string;
  notes?: string;
}

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

export async function networkCertification(
  input: NetworkCertificationInput,
): Promise<NetworkCertificationView> {
  let snapshot = input.resume
    ? networkCertificationMachine.resolveState({
        value: input.resume.stage,
        context: input.resume.context,
      })
    : initialTransition(networkCertificationMachine, {
        network: input.network,
        startedAt: input.startedAt,
      })[0];
  const deadline = Date.parse(input.startedAt) + input.deadlineDays * DAY_MS;
  const reminderAfterMs = input.reminderAfterDays * DAY_MS;
  const indexed = workflowInfo().typedSearchAttributes.get(searchAttributes.orgId) !== undefined;
  const now = () => new Date().toISOString();

  const apply = (event: CertificationEvent) => {
    [snapshot] = transition(networkCertificationMachine, snapshot, event);
    if (indexed) {
      upsertSearchAttributes([
        { key: searchAttributes.stage, value: [certificationStage(snapshot)] },
        { key: searchAttributes.escalated, value: snapshot.context.escalated },
      ]);
    }
  };
  const view = (): NetworkCertificationView => ({
    orgId: input.orgId,
    network: input.network,
    stage: certificationStage(snapshot),
    done: snapshot.status === 'done',
    escalated: snapshot.context.escalated,
    deadline: new Date(deadline).toISOString(),
    remindersSent: snapshot.context.remindersSent,
    allowedEvents: allowedCertificationEvents(snapshot),
    history: snapshot.context.history,
  });

  setHandler(getCertificationQuery, view);
  handleMachineEvents(sendCertificationEventUpdate, {
    allowed: (event) => allowedCertificationEvents(snapshot).includes(event.type),
    refusal: (event) => ({
      message: `${event.type} is not allowed while the ${input.network} certification is in stage ${certificationStage(snapshot)}`,
      details: {
        stage: certificationStage(snapshot),
        allowedEvents: allowedCertificationEvents(snapshot),
      },
    }),
    apply: (event) => apply({ ...event, at: now() }),
    view,
  });

  const subject = (what: string) => `${input.network} certification ${what}`;
  while (snapshot.status !== 'done') {
    if (
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > (input.maxHistoryEvents ?? 5_000)
    ) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof networkCertification>({
        ...input,
        resume: { stage: certificationStage(snapshot), context: snapshot.context },
      });
    }
    const { lastProgressAt, remindersSinceProgress, escalated, history } = snapshot.context;
    const reminderAt = Date.parse(lastProgressAt) + (remindersSinceProgress + 1) * reminderAfterMs;
    const wakeAt = escalated ? reminderAt : Math.min(reminderAt, deadline);
    const stepsBefore = history.length;
    const moved = await condition(
      () => snapshot.status === 'done' || snapshot.context.history.length !== stepsBefore,
      Math.max(1, wakeAt - Date.now()),
    );
    if (moved) continue;

    if (!snapshot.context.escalated && Date.now() >= deadline) {
      await sendNotification({
        orgId: input.orgId,
        kind: 'certification-escalation',
        dedupeKey: `${workflowInfo().workflowId}:escalation`,
        subject: subject('is past its deadline'),
        body: `The ${input.network} certification started ${input.startedAt} is still at ${certificationStage(snapshot)} after ${input.deadlineDays} days.`,
      });
      apply({ type: 'DEADLINE_PASSED', at: now(), by: 'system' });
    }
    if (Date.now() >= reminderAt) {
      await sendNotification({
        orgId: input.orgId,
        kind: 'certification-reminder',
        dedupeKey: `${workflowInfo().workflowId}:reminder:${lastProgressAt}:${remindersSinceProgress + 1}`,
        subject: subject('has not moved'),
        body: `No progress on the ${input.network} certification since ${lastProgressAt}; it waits at ${certificationStage(snapshot)}.`,
      });
      apply({ type: 'REMINDER_SENT', at: now(), by: 'system' });
    }
  }
  return view();
}
