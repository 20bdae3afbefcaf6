import type { Client } from '@temporalio/client';
import { createActivities } from '../activities/index.js';
import {
  builtInEnvironmentProvider,
  type EnvironmentProvider,
} from '../activities/environment-provider.js';
import { httpTransport } from '../activities/webhook-transport.js';
import { createProcesses, createTemporaryBlocks, type Processes } from '../processes/index.js';
import { createServices, type Services } from '../services/index.js';
import { temporalUiBaseUrl, type Config } from './config.js';
import type { Logger } from './logger.js';
import type { PrismaClient } from './prisma.js';
import type { Sql } from '../services/sql.js';

// The composition root: the product's parts built once over its connections, the same for the
// API and the worker (and for the tests that run them on the time-skipping server).

export interface ProductParts {
  services: Services;
  processes: Processes;
  /** What the worker registers */
  activities: ReturnType<typeof createActivities>;
}

export function composeProduct(
  config: Config,
  connections: {
    prisma: PrismaClient;
    sql: Sql;
    temporal: Client;
    logger: Logger;
    /** Seals the secrets the product keeps to use again (webhook signing secrets) */
    serverSecret: string;
    /** Whether the Temporal server knows the project's search attributes */
    searchAttributes: boolean;
    /** False where the Temporal server has no Schedules (the time-skipping test server) */
    snapshotSchedules?: boolean;
    /** Builds the environments: the built-in provider, or what this makes of it */
    environmentProvider?: (builtIn: EnvironmentProvider) => EnvironmentProvider;
  },
): ProductParts {
  const processDeps = {
    temporal: connections.temporal,
    logger: connections.logger,
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    temporalUiUrl: temporalUiBaseUrl(config),
    searchAttributes: connections.searchAttributes,
    snapshotSchedules: connections.snapshotSchedules,
    onboarding: config.onboarding,
    applicationDraftExpiresAfterMs: config.applicationDraftExpiresAfterMs,
    serverSecret: connections.serverSecret,
  };
  const services = createServices({
    prisma: connections.prisma,
    sql: connections.sql,
    reportsDir: config.reportsDir,
    temporaryBlocks: createTemporaryBlocks(processDeps),
    apiKeyCacheMs: config.apiKeyCacheMs,
    apiKeyRotationGraceMs: config.apiKeyRotationGraceMs,
    serverSecret: connections.serverSecret,
    webhooks: config.webhooks,
    eventLogStallReportMs: config.eventLogStallReportMs,
    retention: config.retention,
  });
  const processes = createProcesses(processDeps, services);
  const builtIn = builtInEnvironmentProvider(services.environments);
  const activities = createActivities(
    services,
    connections.environmentProvider?.(builtIn) ?? builtIn,
    {
      transport: httpTransport({
        timeoutMs: config.webhooks.timeoutMs,
        allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
      }),
      pollMs: config.webhooks.pollMs,
    },
  );
  return { services, processes, activities };
}
