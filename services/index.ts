import type { PrismaClient } from '../generated/prisma/client.js';
import { createAccountApplications } from './account-applications.js';
import { createActorNames } from './actor-names.js';
import { createAccountLimitsReports } from './account-limits-reports.js';
import { createAccountCreation } from './accounts/creation.js';
import { createAccountHierarchy } from './accounts/hierarchy.js';
import { createAccountHistory } from './accounts/history.js';
import { createAccountLedger } from './accounts/money.js';
import { createAccountRecords } from './accounts/records.js';
import { createAccountStatusChanges, type TemporaryBlocks } from './accounts/status.js';
import { createAccountTermChanges } from './accounts/terms.js';
import { createApiKeys } from './api-keys.js';
import { createCustomerService } from './customers.js';
import { createDailyBalanceService } from './daily-balances.js';
import { createEnvironments } from './environments.js';
import { createEventLog } from './events.js';
import { createIdempotencyRecords } from './idempotency-records.js';
import { createNotifications } from './notifications.js';
import { createOrgRecords } from './orgs.js';
import { createProgramService } from './programs.js';
import { createReportSchedules } from './report-schedules.js';
import { createSettings } from './settings.js';
import { createRetention, type RetentionSettings } from './retention.js';
import { createEndedSessions } from './sessions.js';
import type { Sql } from './sql.js';
import { createStatusReasonService } from './status-reasons.js';
import { createSealer } from './sealing.js';
import { createWebhookDeliveries, type WebhookSettings } from './webhook-deliveries.js';
import { createWebhookEndpoints } from './webhook-endpoints.js';

export interface ServiceDeps {
  prisma: PrismaClient;
  /** Plain statements on Prisma's pool, for hot paths */
  sql: Sql;
  /** Where the account limits report files are written and served from */
  reportsDir: string;
  /** The timers that end temporary blocks (processes/temporary-blocks.ts) */
  temporaryBlocks: TemporaryBlocks;
  /** How long a checked API key is trusted without reading it again */
  apiKeyCacheMs: number;
  /** How long a rotated API key keeps working (and a rotated webhook signing secret) */
  apiKeyRotationGraceMs: number;
  /** Seals the webhook signing secrets the worker reads back */
  serverSecret: string;
  webhooks: WebhookSettings;
  /** How long a transaction may hold the event log back before it is reported */
  eventLogStallReportMs: number;
  retention: RetentionSettings;
}

/** Every database use case, built once from its dependencies, for the API and the worker alike. */
export function createServices(deps: ServiceDeps) {
  const apiKeys = createApiKeys({
    prisma: deps.prisma,
    cacheMs: deps.apiKeyCacheMs,
    rotationGraceMs: deps.apiKeyRotationGraceMs,
  });
  const statusReasons = createStatusReasonService(deps);
  const webhookSecrets = createSealer(deps.serverSecret, {
    salt: 'webhooks',
    info: 'endpoint-signing-secrets',
  });
  return {
    accounts: createAccountRecords(deps),
    accountCreation: createAccountCreation(deps),
    accountStatus: createAccountStatusChanges(deps),
    accountHierarchy: createAccountHierarchy(deps),
    accountTerms: createAccountTermChanges(deps),
    accountHistory: createAccountHistory(deps),
    ledger: createAccountLedger(deps),
    accountApplications: createAccountApplications(deps),
    customers: createCustomerService(deps),
    programs: createProgramService(deps),
    statusReasons,
    settings: createSettings(deps),
    apiKeys,
    actorNames: createActorNames(deps),
    orgs: createOrgRecords(deps),
    environments: createEnvironments({ ...deps, apiKeys, statusReasons }),
    notifications: createNotifications(deps),
    dailyBalances: createDailyBalanceService(deps),
    reports: createAccountLimitsReports(deps),
    reportSchedules: createReportSchedules(deps),
    idempotencyRecords: createIdempotencyRecords(deps),
    events: createEventLog(deps),
    webhookEndpoints: createWebhookEndpoints({
      prisma: deps.prisma,
      sealer: webhookSecrets,
      secretRotationGraceMs: deps.apiKeyRotationGraceMs,
      receivers: deps.webhooks,
    }),
    webhookDeliveries: createWebhookDeliveries({
      prisma: deps.prisma,
      sealer: webhookSecrets,
      webhooks: deps.webhooks,
    }),
    endedSessions: createEndedSessions(deps),
    retention: createRetention(deps),
    database: { ping: () => deps.prisma.$queryRaw`SELECT 1` },
  };
}

export type Services = ReturnType<typeof createServices>;
