import { z } from 'zod';

// The events integrators read from GET /v1/events and receive by webhook: every type with the
// kind of subject it is about, the version of its payload's shape and the payload's zod schema, in
// one place. The schema is the payload's one definition: its TypeScript type is inferred from it,
// the OpenAPI document (server/routes/events.ts) publishes it, and services/events.ts checks
// every payload against it before writing. Deterministic (zod only), so any layer may share it.

const id = z.uuid();
const timestamp = z.iso.datetime();
const accountStatus = z.enum(['NORMAL', 'BLOCKED', 'CANCELLED']);
const environmentKind = z.enum(['TEST', 'PRODUCTION']);
const accountVersion = z
  .number()
  .int()
  .min(1)
  .meta({ description: 'The account version this change produced' });
const minorUnits = z.number().int().meta({ description: "Minor units of the program's currency" });

/** An account's status change as its event tells it. */
const accountStatusChange = z.strictObject({
  accountId: id,
  from: accountStatus,
  to: accountStatus,
  reason: z.strictObject({ id, code: z.string() }).nullable(),
  description: z.string().nullable(),
  blockedUntil: timestamp
    .nullable()
    .meta({ description: 'End of a temporary block this change started' }),
  accountVersion,
});

/** One step of a long process (onboarding, certification) as its history recorded it. */
const processStep = z.strictObject({
  event: z.string().meta({ description: "The process's own event, e.g. KICKOFF_HELD" }),
  from: z.string(),
  to: z.string(),
  by: z
    .string()
    .meta({ description: 'Who made the step happen: an API key, an operator, or "system"' }),
  notes: z.string().optional(),
  index: z.number().int().min(0).meta({ description: "Its position in the process's history" }),
});
export type ProcessStepPayload = z.infer<typeof processStep>;

const certification = {
  orgId: id,
  network: z.string(),
  startedAt: timestamp.meta({ description: 'When this certification (attempt) started' }),
};
const certificationStep = processStep.extend(certification);

/**
 * A certification that has not moved, as its reminder or its escalation tells it: the system's
 * doing, no step of its history.
 */
const certificationAlert = z.strictObject({
  ...certification,
  stage: z.string().meta({ description: 'The stage it waits at' }),
  lastProgressAt: timestamp.meta({ description: 'When it last moved (a milestone, or its start)' }),
  deadline: timestamp.meta({ description: 'When it is past due' }),
});

/** What a program offers that may change (PATCH /v1/programs/:programId). */
const programSettings = {
  name: z.string(),
  dueDays: z.array(z.number().int().min(1).max(28)),
  dueDayChangeLimit: z.number().int().min(1),
  defaultCreditLimit: minorUnits,
  maxCreditLimit: minorUnits.nullable(),
};

const parentLink = {
  accountId: id,
  previousParentAccountId: id.nullable().meta({ description: 'The parent it had before, if any' }),
  accountVersion,
};

const entry = <Subject extends string, Version extends number, Payload extends z.ZodType>(
  subject: Subject,
  version: Version,
  description: string,
  payload: Payload,
) => ({ subject, version, description, payload });

/** Every event type: its subject, its payload's version and shape, and what it tells. */
export const eventCatalog = {
  'account.created': entry(
    'account',
    1,
    'An account was opened (by POST /v1/accounts or an approved application)',
    z.strictObject({
      accountId: id,
      programId: id,
      applicationId: id.nullable(),
      parentAccountId: id.nullable(),
    }),
  ),
  'account.status_changed': entry(
    'account',
    1,
    "An account's status was changed (PATCH /v1/accounts/:id/status)",
    accountStatusChange,
  ),
  'account.status_rolled_back': entry(
    'account',
    1,
    'A cancelled account was rolled back to an earlier status',
    accountStatusChange,
  ),
  'account.temporary_block_lifted': entry(
    'account',
    1,
    'A temporary block reached its end time and the account went back to NORMAL',
    accountStatusChange,
  ),
  'account.program_migrated': entry(
    'account',
    1,
    'An account moved to another program',
    z.strictObject({ accountId: id, fromProgramId: id, toProgramId: id, accountVersion }),
  ),
  'account.due_day_changed': entry(
    'account',
    1,
    "A credit account's due day moved",
    z.strictObject({
      accountId: id,
      fromDueDay: z.number().int().nullable(),
      toDueDay: z.number().int(),
      cycleClosesOn: z.iso.date(),
      accountVersion,
    }),
  ),
  'account.transaction_posted': entry(
    'account',
    1,
    'Money moved: a cash-in or a cash-out (POST /v1/accounts/:id/transactions)',
    z.strictObject({
      accountId: id,
      transactionId: id,
      type: z.enum(['CASH_IN', 'CASH_OUT']),
      amount: minorUnits.min(1),
      currency: z.string().meta({ description: 'ISO 4217' }),
      balanceAfter: minorUnits,
      accountVersion,
    }),
  ),
  'account.parent_linked': entry(
    'account',
    1,
    'An account was linked under a parent (PUT /v1/accounts/:id/parent)',
    z.strictObject({ ...parentLink, parentAccountId: id }),
  ),
  'account.parent_unlinked': entry(
    'account',
    1,
    'An account was unlinked from its parent (DELETE /v1/accounts/:id/parent)',
    z.strictObject({ ...parentLink, previousParentAccountId: id }),
  ),
  'account.customer_added': entry(
    'account',
    1,
    'An additional customer joined an account (POST /v1/accounts/:id/customers)',
    z.strictObject({
      accountId: id,
      customerId: id,
      role: z.enum(['ADDITIONAL']),
    }),
  ),
  'program.created': entry(
    'program',
    1,
    'A card program was created (POST /v1/programs)',
    z.strictObject({
      programId: id,
      type: z.enum(['CREDIT', 'DEBIT', 'PREPAID']),
      cardNetwork: z.string(),
      currency: z.string(),
      ...programSettings,
      programVersion: z.number().int().min(1),
    }),
  ),
  'program.changed': entry(
    'program',
    1,
    'What a program offers changed (PATCH /v1/programs/:id): the changed fields before and after',
    z.strictObject({
      programId: id,
      before: z.strictObject(programSettings).partial(),
      after: z.strictObject(programSettings).partial(),
      programVersion: z
        .number()
        .int()
        .min(2)
        .meta({ description: 'The version this change produced' }),
    }),
  ),
  'status_reason.created': entry(
    'status_reason',
    1,
    'An account status reason was created (POST /v1/account-status-reasons)',
    z.strictObject({
      reasonId: id,
      code: z.string(),
      description: z.string(),
      appliesTo: z.array(accountStatus),
    }),
  ),
  'environment.settings_changed': entry(
    'environment',
    1,
    "The environment's settings changed (PATCH /v1/settings): before and after",
    z.strictObject({
      environmentId: id,
      before: z.strictObject({ statusReasonRequiredFor: z.array(accountStatus) }),
      after: z.strictObject({ statusReasonRequiredFor: z.array(accountStatus) }),
    }),
  ),
  'api_key.created': entry(
    'api_key',
    1,
    'An API key was issued for the environment (POST /v1/orgs/:orgId/api-keys); never its secret',
    z.strictObject({
      apiKeyId: id,
      environmentId: id,
      name: z.string(),
      prefix: z.string().meta({ description: 'The public part of the key (cie_test_<prefix>…)' }),
    }),
  ),
  'api_key.rotated': entry(
    'api_key',
    1,
    'An API key was replaced by a new one (POST /v1/api-keys/:id/rotate); the old one works until expiresAt',
    z.strictObject({
      apiKeyId: id,
      environmentId: id,
      replacedById: id,
      replacedByPrefix: z.string(),
      expiresAt: timestamp,
    }),
  ),
  'api_key.revoked': entry(
    'api_key',
    1,
    'An API key was revoked (POST /v1/api-keys/:id/revoke)',
    z.strictObject({ apiKeyId: id, environmentId: id, revokedAt: timestamp }),
  ),
  'org.time_zone_changed': entry(
    'org',
    1,
    "The org's time zone changed (PATCH /v1/orgs/:orgId); its daily snapshot moved with it",
    z.strictObject({ orgId: id, from: z.string(), to: z.string() }),
  ),
  'application.submitted': entry(
    'application',
    1,
    'An account application was submitted',
    z.strictObject({ applicationId: id, programId: id.nullable() }),
  ),
  'application.approved': entry(
    'application',
    1,
    'An application became its account',
    z.strictObject({ applicationId: id, accountId: id }),
  ),
  'application.rejected': entry(
    'application',
    1,
    'An application was refused, with why',
    z.strictObject({ applicationId: id, reasons: z.array(z.string()) }),
  ),
  'application.cancelled': entry(
    'application',
    1,
    'A draft application was cancelled (POST /v1/account-applications/:id/cancel)',
    z.strictObject({ applicationId: id }),
  ),
  'application.expired': entry(
    'application',
    1,
    'A draft application left untouched for APPLICATION_DRAFT_EXPIRY_DAYS expired',
    z.strictObject({ applicationId: id }),
  ),
  'org.onboarding_step': entry(
    'org',
    1,
    "A step of the org's onboarding",
    processStep.extend({
      orgId: id,
      process: z.string().nullable(),
      network: z.string().nullable(),
      environment: z.string().nullable(),
    }),
  ),
  'org.live': entry('org', 1, 'The org finished onboarding', z.strictObject({ orgId: id })),
  'environment.ready': entry(
    'environment',
    1,
    'An environment was provisioned and verified',
    z.strictObject({ orgId: id, environmentId: id, kind: environmentKind }),
  ),
  'environment.failed': entry(
    'environment',
    1,
    'Provisioning an environment failed at a step',
    z.strictObject({
      orgId: id,
      environmentId: id.nullable(),
      kind: environmentKind,
      step: z.string(),
      error: z.string(),
    }),
  ),
  'certification.milestone_reached': entry(
    'certification',
    1,
    'A card-network certification moved a step',
    certificationStep,
  ),
  'certification.reminder_sent': entry(
    'certification',
    1,
    'A certification that has not moved was reminded of',
    certificationAlert.extend({
      reminder: z
        .number()
        .int()
        .min(1)
        .meta({ description: 'Which reminder since the last progress (1, 2, ...)' }),
    }),
  ),
  'certification.escalated': entry(
    'certification',
    1,
    'A certification passed its deadline',
    certificationAlert,
  ),
  'certification.certified': entry(
    'certification',
    1,
    'A card network certified the org',
    certificationStep,
  ),
  'certification.cancelled': entry(
    'certification',
    1,
    'A certification was cancelled',
    certificationStep,
  ),
  'report.account_limits_ready': entry(
    'report',
    1,
    'An account limits report file is ready',
    z.strictObject({ orgId: id, environmentId: id, date: z.iso.date(), fileName: z.string() }),
  ),
  'report.schedule_changed': entry(
    'report',
    1,
    'A report was turned on or off (PUT /v1/report-schedules/:report)',
    z.strictObject({
      environmentId: id,
      report: z.enum(['account_limits']),
      enabled: z.boolean(),
    }),
  ),
};

type Catalog = typeof eventCatalog;
export type EventType = keyof Catalog;

export type EventCatalog = {
  [Type in EventType]: {
    subject: Catalog[Type]['subject'];
    version: Catalog[Type]['version'];
    payload: z.infer<Catalog[Type]['payload']>;
  };
};
export type EventPayload<Type extends EventType> = EventCatalog[Type]['payload'];

export const eventTypes = Object.keys(eventCatalog) as [EventType, ...EventType[]];

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
