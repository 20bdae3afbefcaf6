import { assign, initialTransition, setup, transition, type SnapshotFrom } from 'xstate';
import { DOCUMENT_NUMBER, type CustomerDetails, type CustomerInput } from '../common/customers.js';

// A work-in-progress account application (seed: "Create an account"): created as a draft and
// updated until submitted, or created and submitted at once. Submitting locks it; processing
// turns it into the account and its related structures, or rejects it with reasons. A draft can
// be cancelled for good, and expires when left untouched for a set time. Pure: no I/O, no clock;
// times arrive inside events.

/** The applicant and additional customers: a person or a company each. */
type Applicant = CustomerInput;

export interface ApplicationData {
  programId?: string;
  parentAccountId?: string;
  applicant?: Applicant;
  additionalCustomers: Applicant[];
}

/** What an update may carry: fields left out stay as they are. */
export interface ApplicationChanges {
  programId?: string;
  parentAccountId?: string;
  applicant?: Applicant;
  additionalCustomers?: Applicant[];
}

interface Stamp {
  at: string;
  by: string;
}

export type ApplicationEvent =
  | ({ type: 'UPDATE'; changes: ApplicationChanges } & Stamp)
  | ({ type: 'SUBMIT' } & Stamp)
  | ({ type: 'CANCEL' } & Stamp)
  | ({ type: 'EXPIRE' } & Stamp)
  | ({ type: 'PROCESSING_STARTED' } & Stamp)
  | ({ type: 'ACCOUNT_CREATED'; accountId: string } & Stamp)
  | ({ type: 'REJECTED'; reasons: string[] } & Stamp);

export interface ApplicationContext {
  data: ApplicationData;
  /** When the draft was created or last updated; it expires a set time after */
  touchedAt: string;
  accountId: string | null;
  rejectionReasons: string[];
  history: { event: ApplicationEvent['type']; at: string; by: string }[];
}

export const applicationStatuses = [
  'DRAFT',
  'SUBMITTED',
  'PROCESSING',
  'ACCOUNT_CREATED',
  'REJECTED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

export interface ApplicationStateMeta {
  description: string;
  /**
   * An end the run itself records as the application's event; the ends processing reaches
   * (account created, rejected) are recorded by processing with their outcome.
   */
  endRecordedByRun?: true;
}

function kindOf(applicant: Applicant): 'person' | 'company' {
  return 'person' in applicant ? 'person' : 'company';
}

/** Why these changes cannot be applied to this draft, or undefined if they can. */
function changesProblem(data: ApplicationData, changes: ApplicationChanges): string | undefined {
  if (changes.applicant && data.applicant && kindOf(changes.applicant) !== kindOf(data.applicant)) {
    return `the applicant is a ${kindOf(data.applicant)}; it cannot become a ${kindOf(changes.applicant)}`;
  }
  return undefined;
}

/** What a draft still lacks before it can be submitted. */
export function missingForSubmit(data: ApplicationData): string[] {
  return [
    data.programId ? undefined : 'programId',
    data.applicant ? undefined : 'applicant',
  ].filter((f): f is string => !!f);
}

/** Changes merged into a draft: scalars replace, addresses, contacts and additional customers append. */
export function mergeChanges(data: ApplicationData, changes: ApplicationChanges): ApplicationData {
  return {
    programId: changes.programId ?? data.programId,
    parentAccountId: changes.parentAccountId ?? data.parentAccountId,
    applicant:
      changes.applicant && data.applicant
        ? mergeApplicant(data.applicant, changes.applicant)
        : (changes.applicant ?? data.applicant),
    additionalCustomers: [...data.additionalCustomers, ...(changes.additionalCustomers ?? [])],
  };
}

function mergeApplicant(current: Applicant, changes: Applicant): Applicant {
  const merge = <T extends CustomerDetails>(a: T, b: T): T => ({
    ...a,
    ...b,
    addresses: [...(a.addresses ?? []), ...(b.addresses ?? [])],
    contacts: [...(a.contacts ?? []), ...(b.contacts ?? [])],
  });
  if ('person' in current && 'person' in changes)
    return { person: merge(current.person, changes.person) };
  if ('company' in current && 'company' in changes)
    return { company: merge(current.company, changes.company) };
  return current;
}

export const accountApplicationMachine = setup({
  types: {
    context: {} as ApplicationContext,
    events: {} as ApplicationEvent,
    input: {} as { data: ApplicationData; at: string },
    meta: {} as ApplicationStateMeta,
  },
  guards: {
    changesApply: ({ context, event }) =>
      event.type === 'UPDATE' && changesProblem(context.data, event.changes) === undefined,
    complete: ({ context }) => missingForSubmit(context.data).length === 0,
  },
  actions: {
    record: assign({
      history: ({ context, event }) => [
        ...context.history,
        { event: event.type, at: event.at, by: event.by },
      ],
    }),
    applyChanges: assign({
      data: ({ context, event }) =>
        event.type === 'UPDATE' ? mergeChanges(context.data, event.changes) : context.data,
      touchedAt: ({ event }) => event.at,
    }),
    rememberAccount: assign({
      accountId: ({ event }) => (event.type === 'ACCOUNT_CREATED' ? event.accountId : null),
    }),
    rememberReasons: assign({
      rejectionReasons: ({ event }) => (event.type === 'REJECTED' ? event.reasons : []),
    }),
  },
}).createMachine({
  id: 'accountApplication',
  initial: 'DRAFT',
  context: ({ input }) => ({
    data: input.data,
    touchedAt: input.at,
    accountId: null,
    rejectionReasons: [],
    history: [],
  }),
  states: {
    DRAFT: {
      meta: {
        description:
          'Work in progress: may be updated, submitted or cancelled; expires when left untouched',
      },
      on: {
        UPDATE: { guard: 'changesApply', target: 'DRAFT', actions: ['applyChanges', 'record'] },
        SUBMIT: { guard: 'complete', target: 'SUBMITTED', actions: 'record' },
        CANCEL: { target: 'CANCELLED', actions: 'record' },
        EXPIRE: { target: 'EXPIRED', actions: 'record' },
      },
    },
    SUBMITTED: {
      meta: { description: 'Locked and waiting to be processed' },
      on: { PROCESSING_STARTED: { target: 'PROCESSING', actions: 'record' } },
    },
    PROCESSING: {
      meta: { description: 'Being turned into the account, its holder and its customers' },
      on: {
        ACCOUNT_CREATED: { target: 'ACCOUNT_CREATED', actions: ['rememberAccount', 'record'] },
        REJECTED: { target: 'REJECTED', actions: ['rememberReasons', 'record'] },
      },
    },
    ACCOUNT_CREATED: { type: 'final', meta: { description: 'The account exists' } },
    REJECTED: { type: 'final', meta: { description: 'Refused, with reasons' } },
    CANCELLED: {
      type: 'final',
      meta: { description: 'Cancelled for good', endRecordedByRun: true },
    },
    EXPIRED: {
      type: 'final',
      meta: { description: 'Left untouched too long', endRecordedByRun: true },
    },
  },
});

export type AccountApplicationSnapshot = SnapshotFrom<typeof accountApplicationMachine>;

export function applicationStatus(snapshot: AccountApplicationSnapshot): ApplicationStatus {
  return snapshot.value;
}

/** Whether the run records the end it is at as the application's event (cancelled, expired). */
export function endRecordedByRun(snapshot: AccountApplicationSnapshot): boolean {
  return (
    snapshot.getMeta()[`accountApplication.${applicationStatus(snapshot)}`]?.endRecordedByRun ===
    true
  );
}

/** An application as it is created: a draft, or submitted at once when asked and complete. */
export function applicationAtStart(
  data: ApplicationData,
  start: { submit: boolean; at: string; by: string },
): AccountApplicationSnapshot {
  const [draft] = initialTransition(accountApplicationMachine, { data, at: start.at });
  if (!start.submit) return draft;
  return transition(accountApplicationMachine, draft, {
    type: 'SUBMIT',
    at: start.at,
    by: start.by,
  })[0];
}

/** When a draft left untouched expires; null once it is no longer a draft. */
export function draftExpiresAt(
  snapshot: AccountApplicationSnapshot,
  expiresAfterMs: number,
): number | null {
  return applicationStatus(snapshot) === 'DRAFT'
    ? Date.parse(snapshot.context.touchedAt) + expiresAfterMs
    : null;
}

const callerActions: Partial<Record<ApplicationEvent['type'], string>> = {
  UPDATE: 'updated',
  SUBMIT: 'submitted',
  CANCEL: 'cancelled',
};

/** Why the machine refuses a caller's event now. */
export function applicationRefusal(snapshot: AccountApplicationSnapshot, event: ApplicationEvent) {
  const status = applicationStatus(snapshot);
  const data = snapshot.context.data;
  const missing = missingForSubmit(data);
  const message =
    status !== 'DRAFT'
      ? `a ${status} application cannot be ${callerActions[event.type] ?? event.type}`
      : event.type === 'UPDATE'
        ? (changesProblem(data, event.changes) ?? `the update cannot be applied`)
        : event.type === 'SUBMIT' && missing.length > 0
          ? `the application lacks ${missing.join(' and ')}`
          : `${event.type} is not allowed for a draft`;
  return { message, details: { currentStatus: status } };
}

/**
 * Why a submitted application cannot become an account before any record is looked at: what it
 * lacks, document ids that are not well formed. Empty when it may go on to be processed.
 */
export function processingRefusals(data: ApplicationData): string[] {
  if (!data.programId || !data.applicant)
    return ['the application lacks a program or an applicant'];
  return [data.applicant, ...data.additionalCustomers]
    .map((customer) =>
      'person' in customer ? customer.person.documentNumber : customer.company.documentNumber,
    )
    .filter((document) => !DOCUMENT_NUMBER.test(document))
    .map((document) => `document id ${document} is not well formed`);
}
