import type { EventPayload, EventType } from '../common/events.js';
import { exampleIds as ids } from './openapi-examples.js';

// An example payload of every event type, for its webhook and feed item in the OpenAPI document:
// the same Brazilian issuer as server/openapi-examples.ts. Typed by the catalogue, so an example
// that no longer fits its payload's schema does not compile (and `npm run lint:openapi` checks it
// against the published schema too).

const statusChange = {
  accountId: ids.account,
  from: 'NORMAL',
  to: 'BLOCKED',
  reason: { id: ids.reason, code: 'FRAUD_SUSPECTED' },
  description: 'Card reported stolen by the holder',
  blockedUntil: null,
  accountVersion: 3,
} as const;
const certificationStep = {
  orgId: ids.org,
  network: 'VISA',
  startedAt: '2026-03-03T09:00:00.000Z',
  event: 'KICKOFF_HELD',
  from: 'kickoff',
  to: 'testPlan',
  by: 'operator',
  notes: 'Kickoff call with Visa on 2026-03-04',
  index: 0,
};
const certificationAlert = {
  orgId: ids.org,
  network: 'VISA',
  startedAt: '2026-03-03T09:00:00.000Z',
  stage: 'testPlan',
  lastProgressAt: '2026-03-04T14:30:00.000Z',
  deadline: '2026-06-01T09:00:00.000Z',
};

export const eventPayloadExamples: { [Type in EventType]: EventPayload<Type> } = {
  'account.created': {
    accountId: ids.account,
    programId: ids.program,
    applicationId: null,
    parentAccountId: null,
  },
  'account.status_changed': statusChange,
  'account.status_rolled_back': { ...statusChange, from: 'CANCELLED', accountVersion: 5 },
  'account.temporary_block_lifted': {
    ...statusChange,
    from: 'BLOCKED',
    to: 'NORMAL',
    reason: { id: ids.reason, code: 'TEMPORARY_BLOCK_EXPIRED' },
    description: null,
  },
  'account.program_migrated': {
    accountId: ids.account,
    fromProgramId: ids.program,
    toProgramId: ids.otherProgram,
    accountVersion: 4,
  },
  'account.due_day_changed': {
    accountId: ids.account,
    fromDueDay: 10,
    toDueDay: 20,
    cycleClosesOn: '2026-04-10',
    accountVersion: 4,
  },
  'account.transaction_posted': {
    accountId: ids.account,
    transactionId: ids.transaction,
    type: 'CASH_IN',
    amount: 150000,
    currency: 'BRL',
    balanceAfter: 150000,
    accountVersion: 2,
  },
  'account.parent_linked': {
    accountId: ids.childAccount,
    parentAccountId: ids.parentAccount,
    previousParentAccountId: null,
    accountVersion: 2,
  },
  'account.parent_unlinked': {
    accountId: ids.childAccount,
    previousParentAccountId: ids.parentAccount,
    accountVersion: 3,
  },
  'account.customer_added': {
    accountId: ids.account,
    customerId: ids.customer,
    role: 'ADDITIONAL',
  },
  'program.created': {
    programId: ids.program,
    type: 'CREDIT',
    cardNetwork: 'VISA',
    currency: 'BRL',
    name: 'Acme Gold',
    dueDays: [5, 10, 20],
    dueDayChangeLimit: 1,
    defaultCreditLimit: 500000,
    maxCreditLimit: 2000000,
    programVersion: 1,
  },
  'program.changed': {
    programId: ids.program,
    before: { dueDays: [5, 10, 20], defaultCreditLimit: 500000 },
    after: { dueDays: [5, 10, 15, 20], defaultCreditLimit: 750000 },
    programVersion: 2,
  },
  'status_reason.created': {
    reasonId: ids.reason,
    code: 'FRAUD_SUSPECTED',
    description: 'Suspected fraud or a fraud attempt',
    appliesTo: ['BLOCKED', 'CANCELLED'],
  },
  'environment.settings_changed': {
    environmentId: ids.testEnvironment,
    before: { statusReasonRequiredFor: [] },
    after: { statusReasonRequiredFor: ['BLOCKED', 'CANCELLED'] },
  },
  'api_key.created': {
    apiKeyId: ids.apiKey,
    environmentId: ids.productionEnvironment,
    name: 'backend',
    prefix: 'k7Qm2xPz',
  },
  'api_key.rotated': {
    apiKeyId: ids.apiKey,
    environmentId: ids.productionEnvironment,
    replacedById: ids.newApiKey,
    replacedByPrefix: 'Rt4nW9cL',
    expiresAt: '2026-03-10T13:05:12.482Z',
  },
  'api_key.revoked': {
    apiKeyId: ids.apiKey,
    environmentId: ids.productionEnvironment,
    revokedAt: '2026-03-09T16:40:02.113Z',
  },
  'org.time_zone_changed': { orgId: ids.org, from: 'America/Sao_Paulo', to: 'America/Manaus' },
  'application.submitted': { applicationId: ids.application, programId: ids.program },
  'application.approved': { applicationId: ids.application, accountId: ids.account },
  'application.rejected': {
    applicationId: ids.application,
    reasons: ['programId is not a program of this org'],
  },
  'application.cancelled': { applicationId: ids.application },
  'application.expired': { applicationId: ids.application },
  'org.onboarding_step': {
    orgId: ids.org,
    event: 'SERVICE_DESK_ACCESS_GRANTED',
    from: 'serviceDesk.awaitingAccess',
    to: 'serviceDesk.granted',
    by: 'operator',
    notes: 'Service desk ticket SD-1042',
    index: 3,
    process: null,
    network: null,
    environment: null,
  },
  'org.live': { orgId: ids.org },
  'environment.ready': { orgId: ids.org, environmentId: ids.testEnvironment, kind: 'TEST' },
  'environment.failed': {
    orgId: ids.org,
    environmentId: ids.productionEnvironment,
    kind: 'PRODUCTION',
    step: 'createDefaultStatusReasons',
    error: 'createDefaultStatusReasons: connection refused',
  },
  'certification.milestone_reached': certificationStep,
  'certification.reminder_sent': { ...certificationAlert, reminder: 1 },
  'certification.escalated': certificationAlert,
  'certification.certified': {
    ...certificationStep,
    event: 'CERTIFIED',
    from: 'results',
    to: 'certified',
    notes: 'Visa letter of approval VL-2026-118',
    index: 3,
  },
  'certification.cancelled': {
    ...certificationStep,
    event: 'CANCEL',
    from: 'testPlan',
    to: 'cancelled',
    notes: 'Postponed to next quarter',
    index: 1,
  },
  'report.account_limits_ready': {
    orgId: ids.org,
    environmentId: ids.testEnvironment,
    date: '2026-03-09',
    fileName: 'account-limits-2026-03-09.csv',
  },
  'report.schedule_changed': {
    environmentId: ids.testEnvironment,
    report: 'account_limits',
    enabled: false,
  },
};
