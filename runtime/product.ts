import type { ClientInterceptors } from '@temporalio/client';
import path from 'node:path';
import { temporalUiBaseUrl, type Config } from './config.js';
import { openDatabase, type Database } from './database.js';
import { serveHttp } from './http-server.js';
import type { Logger } from './logger.js';
import { resolveSecrets } from './development-secrets.js';
import { openTemporal, type TemporalHandles } from './temporal.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import type { ProductParts } from './compose.js';
import { workflowBundlePath } from './workflow-bundle.js';
import { startEventLogWatch } from './event-log-watch.js';
import { startWebhookSweep } from './webhook-sweep.js';

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface RunningProduct {
  apiUrl?: string;
  /** The product's own connection (its least-privilege role) */
  databaseUrl: string;
  /** The tables' owner */
  ownerDatabaseUrl: string;
  /** What the composition root built: services, processes, activities */
  parts: ProductParts;
  /** Resolves when the worker stops on its own (a fatal error); never when only the API runs */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Brings up the product's parts in dependency order and returns one stop() that takes them down
 * in reverse. Anything started before a failure is stopped again before the error propagates.
 */
export async function startProduct(
  config: Config,
  logger: Logger,
  roles: Roles,
  options: {
    /** A bundle of the workflow code built beforehand; otherwise the cached one (built if missing) */
    workflowBundlePath?: string;
    /** See every call the product's Temporal client makes */
    clientInterceptors?: ClientInterceptors;
  } = {},
): Promise<RunningProduct> {
  const temporalRuntime = await installTemporalRuntime(logger);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) {
      await step().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    // PostgreSQL, Temporal and the workflow bundle do not wait for each other. Whatever came up
    // is registered for stop() even when another failed.
    const bundling = roles.worker
      ? (options.workflowBundlePath ??
        workflowBundlePath(path.join(config.dataDir, 'workflow-bundles'), logger))
      : undefined;
    const [databaseStart, temporalStart, bundleStart, codeLoad] = await Promise.allSettled([
      openDatabase(config, logger),
      openTemporal(config, logger, options.clientInterceptors),
      bundling,
      loadProductCode(),
    ]);
    if (databaseStart.status === 'fulfilled') stops.push(() => databaseStart.value.stop());
    if (temporalStart.status === 'fulfilled') stops.push(() => temporalStart.value.close());
    const database: Database = valueOf(databaseStart);
    const temporal: TemporalHandles = valueOf(temporalStart);
    valueOf(bundleStart);
    const { connectDatabase, composeProduct, createWorker, createApp, answerClientErrors } =
      valueOf(codeLoad);
    const { prisma, sql, pool } = connectDatabase(database.url, config.databasePool);
    stops.push(() => prisma.$disconnect());
    const secrets = await resolveSecrets(config, logger);
    const parts = composeProduct(config, {
      prisma,
      sql,
      serverSecret: secrets.serverSecret,
      temporal: temporal.client,
      logger,
      searchAttributes: temporal.searchAttributesAvailable,
    });

    const startWorker = async () => {
      const worker = await createWorker({
        connection: temporal.workerConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        maxConcurrentActivities: config.temporal.maxConcurrentActivities,
        maxWaitingEndpoints: config.temporal.maxWaitingEndpoints,
        activities: parts.activities,
        workflowBundlePath: await bundling!,
      });
      const done = worker.run();
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
      await parts.processes.retentionSchedule.create().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not create the data retention schedule');
      });
      const sweep = startWebhookSweep(parts, config.webhooks.sweepMs, logger);
      return {
        done,
        stop: async () => {
          await sweep.stop();
          worker.shutdown();
          await done.catch(() => undefined);
          logger.info('worker stopped');
        },
      };
    };
    const startApi = async () => {
      const listener = createApp({
        services: parts.services,
        processes: parts.processes,
        pingTemporal: (timeoutMs) => temporal.ping(timeoutMs),
        logger,
        ...secrets,
        maxBodyBytes: config.http.maxBodyBytes,
        metrics: { databasePool: pool, temporalMetricsUrl: temporalRuntime.metricsUrl },
      });
      const server = await serveHttp(listener, {
        host: config.http.host,
        port: config.http.port,
        drainMs: config.http.drainMs,
        prepare: answerClientErrors,
      });
      const url = `http://${config.http.host}:${server.port}`;
      logger.info(
        { apiUrl: url, temporalUi: temporalUiBaseUrl(config), dataDir: config.dataDir },
        'API listening',
      );
      const watch = startEventLogWatch(parts.services.events, config.eventLogStallReportMs, logger);
      return {
        url,
        stop: async () => {
          await watch.stop();
          await server.stop();
          logger.info('API stopped');
        },
      };
    };
    // The API answers while the worker is still being created: a workflow it starts waits on its
    // task queue until the worker polls, a few hundred milliseconds later.
    const [workerStart, apiStart] = await Promise.allSettled([
      bundling ? startWorker() : undefined,
      roles.api ? startApi() : undefined,
    ]);
    // Pushed in this order so that stop() closes the API before the worker drains.
    if (workerStart.status === 'fulfilled' && workerStart.value) stops.push(workerStart.value.stop);
    if (apiStart.status === 'fulfilled' && apiStart.value) stops.push(apiStart.value.stop);
    const worker = valueOf(workerStart);
    const api = valueOf(apiStart);
    const apiUrl = api?.url;
    const workerDone = worker?.done ?? new Promise<void>(() => undefined);
    return {
      apiUrl,
      databaseUrl: database.url,
      ownerDatabaseUrl: database.ownerUrl,
      parts,
      workerDone,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The product's own code, loaded while PostgreSQL and Temporal start: neither needs it, and
 * loading it first would hold their start back by as long as it takes.
 */
async function loadProductCode() {
  const [{ connectDatabase }, { composeProduct }, { createWorker }, { createApp }, frontDoor] =
    await Promise.all([
      import('./prisma.js'),
      import('./compose.js'),
      import('./worker.js'),
      import('../server/app.js'),
      import('../server/front-door.js'),
    ]);
  return {
    connectDatabase,
    composeProduct,
    createWorker,
    createApp,
    answerClientErrors: frontDoor.answerClientErrors,
  };
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
