import { assign, setup, type SnapshotFrom } from 'xstate';
import { stepOf, type Stamp, type Step } from './steps.js';

// Card-network certification of one org with one network (seed: "Get card network
// certification": approval from Visa or Mastercard to issue cards on their network, up to six
// months). People move it forward; while it waits on them it is reminded when nothing moves for
// a while, and escalated, visibly, once its deadline passes. Pure: no I/O, no clock; time and
// actor arrive inside events, and the hosting workflow sends the reminders when told they are due.

export const cardNetworks = ['VISA', 'MASTERCARD'] as const;
export type CardNetwork = (typeof cardNetworks)[number];

export type CertificationStage =
  'kickoff' | 'testPlanning' | 'testing' | 'underReview' | 'retesting' | 'certified' | 'cancelled';

/** How a certification ends: its final stages. */
const certificationOutcomes = ['certified', 'cancelled'] as const;
export type CertificationOutcome = (typeof certificationOutcomes)[number];

/** Events people send. */
export type CertificationHumanEvent =
  | ({ type: 'KICKOFF_HELD' } & Stamp)
  | ({ type: 'TEST_PLAN_AGREED' } & Stamp)
  | ({ type: 'RESULTS_SUBMITTED' } & Stamp)
  | ({ type: 'CERTIFIED' } & Stamp)
  | ({ type: 'FAILED' } & Stamp)
  | ({ type: 'CANCEL' } & Stamp);

/** Events the hosting workflow sends. */
export type CertificationSystemEvent =
  ({ type: 'REMINDER_SENT' } & Stamp) | ({ type: 'DEADLINE_PASSED' } & Stamp);

export type CertificationEvent = CertificationHumanEvent | CertificationSystemEvent;

export const certificationHumanEventTypes = [
  'KICKOFF_HELD',
  'TEST_PLAN_AGREED',
  'RESULTS_SUBMITTED',
  'CERTIFIED',
  'FAILED',
  'CANCEL',
] as const satisfies readonly CertificationHumanEvent['type'][];

export type CertificationStep = Step<CertificationEvent['type'], CertificationStage>;

export interface CertificationContext {
  network: CardNetwork;
  /** Past the deadline and not certified: visible to operators, not a failure */
  escalated: boolean;
  remindersSent: number;
  /** Reminders since the last progress; the next one is due a reminder interval after the last */
  remindersSinceProgress: number;
  /** When a person last moved the certification forward */
  lastProgressAt: string;
  history: CertificationStep[];
}

export interface CertificationStateMeta {
  description: string;
  /** Waiting on people, so reminders and the deadline apply */
  active: boolean;
}

/** A person's step from one stage to the next, recorded in the history. */
function advance(from: CertificationStage, to: CertificationStage) {
  return { target: to, actions: { type: 'recordProgress' as const, params: { from, to } } };
}

export const networkCertificationMachine = setup({
  types: {
    context: {} as CertificationContext,
    events: {} as CertificationEvent,
    input: {} as { network: CardNetwork; startedAt: string },
    meta: {} as CertificationStateMeta,
  },
  actions: {
    recordProgress: assign(
      ({ context, event }, params: { from: CertificationStage; to: CertificationStage }) => ({
        lastProgressAt: event.at,
        remindersSinceProgress: 0,
        history: [...context.history, stepOf(event, params.from, params.to)],
      }),
    ),
    countReminder: assign({
      remindersSent: ({ context }) => context.remindersSent + 1,
      remindersSinceProgress: ({ context }) => context.remindersSinceProgress + 1,
    }),
    escalate: assign({ escalated: true }),
  },
}).createMachine({
  id: 'networkCertification',
  initial: 'kickoff',
  context: ({ input }) => ({
    network: input.network,
    escalated: false,
    remindersSent: 0,
    remindersSinceProgress: 0,
    lastProgressAt: input.startedAt,
    history: [],
  }),
  on: {
    REMINDER_SENT: { actions: 'countReminder' },
    DEADLINE_PASSED: { actions: 'escalate' },
  },
  states: {
    kickoff: {
      meta: { description: 'Kickoff with the network and the support team', active: true },
      on: {
        KICKOFF_HELD: advance('kickoff', 'testPlanning'),
        CANCEL: advance('kickoff', 'cancelled'),
      },
    },
    testPlanning: {
      meta: { description: 'Agreeing the test plan with the network', active: true },
      on: {
        TEST_PLAN_AGREED: advance('testPlanning', 'testing'),
        CANCEL: advance('testPlanning', 'cancelled'),
      },
    },
    testing: {
      meta: { description: 'Running the network test cases', active: true },
      on: {
        RESULTS_SUBMITTED: advance('testing', 'underReview'),
        CANCEL: advance('testing', 'cancelled'),
      },
    },
    underReview: {
      meta: { description: 'The network reviews the submitted results', active: true },
      on: {
        CERTIFIED: advance('underReview', 'certified'),
        FAILED: advance('underReview', 'retesting'),
        CANCEL: advance('underReview', 'cancelled'),
      },
    },
    retesting: {
      meta: { description: 'Fixing what failed and testing again', active: true },
      on: {
        RESULTS_SUBMITTED: advance('retesting', 'underReview'),
        CANCEL: advance('retesting', 'cancelled'),
      },
    },
    certified: { type: 'final', meta: { description: 'Certified by the network', active: false } },
    cancelled: { type: 'final', meta: { description: 'Cancelled', active: false } },
  },
});

export type CertificationSnapshot = SnapshotFrom<typeof networkCertificationMachine>;

export function certificationStage(snapshot: CertificationSnapshot): CertificationStage {
  return snapshot.value;
}

/** How a certification that has ended ended, read off the final stage it stopped at. */
export function certificationOutcome(stage: CertificationStage): CertificationOutcome {
  const outcome = certificationOutcomes.find((final) => final === stage);
  if (!outcome) throw new Error(`a certification at ${stage} has not ended`);
  return outcome;
}

/** The human events the machine accepts in this snapshot. */
export function allowedCertificationEvents(
  snapshot: CertificationSnapshot,
): CertificationHumanEvent['type'][] {
  return certificationHumanEventTypes.filter((type) => snapshot.can({ type, at: '', by: '' }));
}

/** The human events refused now, with what the machine accepts instead. */
export function certificationRefusal(snapshot: CertificationSnapshot, event: CertificationEvent) {
  return {
    message: `${event.type} is not allowed while the ${snapshot.context.network} certification is in stage ${certificationStage(snapshot)}`,
    details: {
      stage: certificationStage(snapshot),
      allowedEvents: allowedCertificationEvents(snapshot),
    },
  };
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * How long a certification may take before it escalates (the seed's "up to six months"), and how
 * long it may sit still before a reminder; the defaults, which configuration may change.
 */
export const DEFAULT_CERTIFICATION_TIMES = { reminderAfterDays: 14, deadlineDays: 180 } as const;

/** When a certification started, and the intervals its reminders and deadline count. */
export interface CertificationSchedule {
  /** ISO-8601 start of the certification; the deadline counts from here */
  startedAt: string;
  reminderAfterDays: number;
  deadlineDays: number;
}

/**
 * When the certification is due, and when its next reminder is: a reminder interval after the
 * last progress, one more for each reminder sent since. Past the deadline it escalates once;
 * reminders go on until someone moves it. `wakeAt` is the earliest of what is still to come.
 */
export function certificationTimes(
  context: CertificationContext,
  schedule: CertificationSchedule,
): { deadline: number; reminderAt: number; wakeAt: number } {
  const deadline = Date.parse(schedule.startedAt) + schedule.deadlineDays * DAY_MS;
  const reminderAt =
    Date.parse(context.lastProgressAt) +
    (context.remindersSinceProgress + 1) * (schedule.reminderAfterDays * DAY_MS);
  return {
    deadline,
    reminderAt,
    wakeAt: context.escalated ? reminderAt : Math.min(reminderAt, deadline),
  };
}

/** The system event due at `now`, if any: the escalation first, then a reminder. */
export function dueCertificationEvent(
  context: CertificationContext,
  schedule: CertificationSchedule,
  now: number,
): CertificationSystemEvent['type'] | undefined {
  const { deadline, reminderAt } = certificationTimes(context, schedule);
  if (!context.escalated && now >= deadline) return 'DEADLINE_PASSED';
  if (now >= reminderAt) return 'REMINDER_SENT';
  return undefined;
}
