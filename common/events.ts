// The events integrators read from GET /v1/events (and webhooks will deliver): every type with the
// kind of subject it is about, the version of its payload's shape and the payload itself, in one
// place. Dependency-free, so server, services, activities and workflows share it.

type AccountStatus = 'NORMAL' | 'BLOCKED' | 'CANCELLED';

/** An account's status change as its event tells it. */
interface AccountStatusChangePayload {
  accountId: string;
  from: AccountStatus;
  to: AccountStatus;
  reason: { id: string; code: string } | null;
  description: string | null;
  /** End of a temporary block this change started */
  blockedUntil: string | null;
  /** The account version this change produced */
  accountVersion: number;
}

/** One step of a long process (onboarding, certification) as its history recorded it. */
export interface ProcessStepPayload {
  /** The process's own event, e.g. KICKOFF_HELD */
  event: string;
  from: string;
  to: string;
  /** Who made the step happen: an API key, an operator, or "system" */
  by: string;
  notes?: string;
  /** Its position in the process's history */
  index: number;
}

interface CertificationPayload extends ProcessStepPayload {
  orgId: string;
  network: string;
  /** When this certification (attempt) started */
  startedAt: string;
}

/**
 * A certification that has not moved, as its reminder or its escalation tells it: the system's
 * doing, no step of its history.
 */
interface CertificationAlertPayload {
  orgId: string;
  network: string;
  /** When this certification (attempt) started */
  startedAt: string;
  /** The stage it waits at */
  stage: string;
  /** When it last moved (a milestone, or its start) */
  lastProgressAt: string;
  /** When it is past due */
  deadline: string;
}

export interface EventCatalog {
  'account.created': {
    subject: 'account';
    version: 1;
    payload: {
      accountId: string;
      programId: string;
      applicationId: string | null;
      parentAccountId: string | null;
    };
  };
  'account.status_changed': {
    subject: 'account';
    version: 1;
    payload: AccountStatusChangePayload;
  };
  'account.status_rolled_back': {
    subject: 'account';
    version: 1;
    payload: AccountStatusChangePayload;
  };
  'account.temporary_block_lifted': {
    subject: 'account';
    version: 1;
    payload: AccountStatusChangePayload;
  };
  'account.program_migrated': {
    subject: 'account';
    version: 1;
    payload: {
      accountId: string;
      fromProgramId: string;
      toProgramId: string;
      accountVersion: number;
    };
  };
  'account.due_day_changed': {
    subject: 'account';
    version: 1;
    payload: {
      accountId: string;
      fromDueDay: number | null;
      toDueDay: number;
      cycleClosesOn: string;
      accountVersion: number;
    };
  };
  'application.submitted': {
    subject: 'application';
    version: 1;
    payload: { applicationId: string; programId: string | null };
  };
  'application.approved': {
    subject: 'application';
    version: 1;
    payload: { applicationId: string; accountId: string };
  };
  'application.rejected': {
    subject: 'application';
    version: 1;
    payload: { applicationId: string; reasons: string[] };
  };
  'org.onboarding_step': {
    subject: 'org';
    version: 1;
    payload: ProcessStepPayload & {
      orgId: string;
      process: string | null;
      network: string | null;
      environment: string | null;
    };
  };
  'org.live': {
    subject: 'org';
    version: 1;
    payload: { orgId: string };
  };
  'environment.ready': {
    subject: 'environment';
    version: 1;
    payload: { orgId: string; environmentId: string; kind: 'TEST' | 'PRODUCTION' };
  };
  'environment.failed': {
    subject: 'environment';
    version: 1;
    payload: {
      orgId: string;
      environmentId: string | null;
      kind: 'TEST' | 'PRODUCTION';
      step: string;
      error: string;
    };
  };
  'certification.milestone_reached': {
    subject: 'certification';
    version: 1;
    payload: CertificationPayload;
  };
  'certification.reminder_sent': {
    subject: 'certification';
    version: 1;
    /** `reminder`: which reminder since the last progress (1, 2, ...) */
    payload: CertificationAlertPayload & { reminder: number };
  };
  'certification.escalated': {
    subject: 'certification';
    version: 1;
    payload: CertificationAlertPayload;
  };
  'certification.certified': {
    subject: 'certification';
    version: 1;
    payload: CertificationPayload;
  };
  'certification.cancelled': {
    subject: 'certification';
    version: 1;
    payload: CertificationPayload;
  };
  'report.account_limits_ready': {
    subject: 'report';
    version: 1;
    payload: { orgId: string; environmentId: string; date: string; fileName: string };
  };
  'report.schedule_changed': {
    subject: 'report';
    version: 1;
    payload: { environmentId: string; report: 'account_limits'; enabled: boolean };
  };
}

export type EventType = keyof EventCatalog;
export type EventPayload<Type extends EventType> = EventCatalog[Type]['payload'];

/** Every event type with the version of its payload's shape. */
export const eventVersions: { [Type in EventType]: EventCatalog[Type]['version'] } = {
  'account.created': 1,
  'account.status_changed': 1,
  'account.status_rolled_back': 1,
  'account.temporary_block_lifted': 1,
  'account.program_migrated': 1,
  'account.due_day_changed': 1,
  'application.submitted': 1,
  'application.approved': 1,
  'application.rejected': 1,
  'org.onboarding_step': 1,
  'org.live': 1,
  'environment.ready': 1,
  'environment.failed': 1,
  'certification.milestone_reached': 1,
  'certification.reminder_sent': 1,
  'certification.escalated': 1,
  'certification.certified': 1,
  'certification.cancelled': 1,
  'report.account_limits_ready': 1,
  'report.schedule_changed': 1,
};

export const eventTypes = Object.keys(eventVersions) as [EventType, ...EventType[]];

/**
 * The certification event a step of a network certification's history is. Reminders and the
 * escalation are no steps of it: they are recorded with their notification.
 */
export function certificationEventType(
  step: string,
): 'certification.milestone_reached' | 'certification.certified' | 'certification.cancelled' {
  switch (step) {
    case 'CERTIFIED':
      return 'certification.certified';
    case 'CANCEL':
      return 'certification.cancelled';
    default:
      return 'certification.milestone_reached';
  }
}
