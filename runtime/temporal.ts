import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client,
  Connection,
  type ClientInterceptors,
  type ConnectionOptions,
} from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import protos from '@temporalio/proto';
import { searchAttributeDefinitions } from '../common/temporal-names.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { startServerProcess } from './server-process.js';
import { temporalCli } from './tools.js';

export interface TemporalHandles {
  address: string;
  client: Client;
  /** Whether the server knows the project's search attributes, so runs may carry them */
  searchAttributesAvailable: boolean;
  /** The worker's connection (a separate, native one) */
  workerConnection: NativeConnection;
  /** One attempt to reach the frontend, failing after `timeoutMs` */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface DevServer {
  address: string;
  stop(): Promise<void>;
}

/** How long the dev server has to stop before it is killed */
export const DEV_SERVER_STOP_GRACE_MS = 10_000;

/** Starts `temporal server start-dev` with a persistent SQLite file and the Web UI. */
export async function startTemporalDevServer(options: {
  port: number;
  uiPort: number | 'headless';
  databaseFile: string;
  namespace: string;
  cliPath?: string;
  logger: Logger;
}): Promise<DevServer> {
  const { port, uiPort, databaseFile, namespace, logger } = options;
  await mkdir(path.dirname(databaseFile), { recursive: true });
  const cli = await temporalCli(options.cliPath, (line) => logger.info(line));
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    databaseFile,
    // "default" always exists; naming it again is refused
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    '--log-level',
    'warn',
    '--log-format',
    'json',
    ...(uiPort === 'headless'
      ? ['--headless']
      : ['--ui-port', String(uiPort), '--ui-disable-news-fetch']),
    ...searchAttributeDefinitions.flatMap((sa) => [
      '--search-attribute',
      `${sa.name}=${devServerType(sa.type)}`,
    ]),
  ];
  const serverLog = logger.child({ component: 'temporal-server' });
  const server = await startServerProcess({
    command: cli,
    args,
    pidFile: `${databaseFile}.pid`,
    what: 'Temporal dev server',
    logger,
    onLine: (line) => serverLog.debug(line),
  });
  const address = `127.0.0.1:${port}`;
  const ready = await Promise.race([
    waitUntilReachable(address, 60_000),
    server.exited.then(() => false),
  ]);
  if (!ready) {
    await server.stop(0);
    const lastLines = server.lastLines();
    throw new Error(
      `Temporal dev server (${cli}) did not come up on ${address}; is the port free and the CLI installed?` +
        (lastLines.length > 0 ? ` It printed:\n${lastLines.join('\n')}` : ''),
    );
  }
  logger.info(
    { address, ui: uiPort === 'headless' ? undefined : `http://localhost:${uiPort}` },
    'Temporal dev server started',
  );
  return {
    address,
    async stop() {
      await server.stop(DEV_SERVER_STOP_GRACE_MS);
      logger.info({ address }, 'Temporal dev server stopped');
    },
  };
}

function devServerType(type: string): string {
  // 'KEYWORD_LIST' → 'KeywordList', as the CLI spells the type names
  return type
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join('');
}

/** Whether a Temporal frontend answers at `address` within `timeoutMs`. */
export async function waitUntilReachable(address: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(200);
    }
  }
  return false;
}

async function connectionOptions(config: Config, address: string) {
  const server = config.temporal.server;
  if (server.mode === 'dev') return { address };
  let tls: ConnectionOptions['tls'] = undefined;
  if (server.tls) {
    tls =
      server.tls.clientCertPath && server.tls.clientKeyPath
        ? {
            clientCertPair: {
              crt: await readFile(server.tls.clientCertPath),
              key: await readFile(server.tls.clientKeyPath),
            },
          }
        : true;
  }
  return { address, tls, apiKey: server.apiKey };
}

/** Connects the client and the worker's native connection to `address`. */
async function connectTemporal(
  config: Config,
  address: string,
  logger: Logger,
  interceptors: ClientInterceptors = {},
): Promise<TemporalHandles> {
  const options = await connectionOptions(config, address);
  const connection = await Connection.connect(options);
  const workerConnection = await NativeConnection.connect(options);
  // Without the retry interceptor, so a health probe leaves no retry timers behind it.
  const probeConnection = Connection.lazy({ ...options, interceptors: [] });
  const client = new Client({ connection, namespace: config.temporal.namespace, interceptors });
  const searchAttributesAvailable = await ensureSearchAttributes(
    client,
    config.temporal.namespace,
    logger,
  );
  return {
    address,
    client,
    searchAttributesAvailable,
    workerConnection,
    async ping(timeoutMs) {
      await probeConnection.withDeadline(Date.now() + timeoutMs, () =>
        probeConnection.workflowService.getSystemInfo({}),
      );
    },
    async close() {
      await workerConnection.close();
      await connection.close();
      await probeConnection.close();
    },
  };
}

const { IndexedValueType } = protos.temporal.api.enums.v1;
const indexedValueType: Record<SearchAttributeType, protos.temporal.api.enums.v1.IndexedValueType> =
  {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
    DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };

/**
 * Registers the project's custom search attributes in `namespace` where they are missing; returns
 * the names it added.
 */
export async function registerSearchAttributes(client: Client, namespace: string) {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributeDefinitions.filter(
    (sa) => !(sa.name in (existing.customAttributes ?? {})),
  );
  if (missing.length > 0)
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((sa) => [sa.name, indexedValueType[sa.type]]),
      ),
    });
  return missing.map((sa) => sa.name);
}

/**
 * Registers the project's custom search attributes on a server that lacks them (a self-hosted
 * cluster). Temporal Cloud manages them through its own control plane, so a refusal is a warning.
 */
async function ensureSearchAttributes(
  client: Client,
  namespace: string,
  logger: Logger,
): Promise<boolean> {
  try {
    const added = await registerSearchAttributes(client, namespace);
    if (added.length > 0) logger.info({ added }, 'registered Temporal search attributes');
    return true;
  } catch (error) {
    logger.warn(
      { err: error, wanted: searchAttributeDefinitions.map((sa) => sa.name) },
      'could not check or register Temporal search attributes; runs start without them until they are registered on the server',
    );
    return false;
  }
}

/** The configured Temporal: a dev server we start, or an existing server we connect to. */
/**
 * Starts the dev server (unless Temporal is external) and connects to it. `interceptors` see
 * every call the product's client makes (tracing, metrics, or a test counting them).
 */
export async function openTemporal(
  config: Config,
  logger: Logger,
  interceptors: ClientInterceptors = {},
): Promise<TemporalHandles> {
  const server = config.temporal.server;
  const devServer =
    server.mode === 'dev'
      ? await startTemporalDevServer({
          port: server.port,
          uiPort: server.uiPort,
          databaseFile: server.databaseFile,
          namespace: config.temporal.namespace,
          cliPath: server.cliPath,
          logger,
        })
      : undefined;
  const address = devServer?.address ?? (server.mode === 'external' ? server.address : '');
  try {
    const handles = await connectTemporal(config, address, logger, interceptors);
    return {
      ...handles,
      async close() {
        await handles.close();
        await devServer?.stop();
      },
    };
  } catch (error) {
    await devServer?.stop();
    throw error;
  }
}
