import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import { stopLeftoverProcess } from './leftover-process.js';
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
  const pidFile = `${databaseFile}.pid`;
  await stopLeftoverProcess(pidFile, {
    signal: 'SIGTERM',
    what: 'Temporal dev server',
    logger,
    removePidFile: true,
  });
  // Its own process group, so a Ctrl-C reaches us first and we stop it after the worker.
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid) await writeFile(pidFile, `${child.pid}\n`);
  // Should this process end without stopping it (an uncaught error), the server ends with it.
  const stopWithUs = () => child.kill('SIGTERM');
  process.once('exit', stopWithUs);
  const serverLog = logger.child({ component: 'temporal-server' });
  // The last lines it printed explain an early exit (a port taken, a locked database file).
  const lastLines: string[] = [];
  forwardLines(child, (line) => {
    serverLog.debug(line);
    lastLines.push(line);
    if (lastLines.length > 5) lastLines.shift();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  child.once('error', (error) => serverLog.error({ err: error }, 'could not run the Temporal CLI'));

  const address = `127.0.0.1:${port}`;
  const ready = await Promise.race([waitUntilReachable(address, 60_000), exited.then(() => false)]);
  if (!ready) {
    child.kill('SIGKILL');
    process.removeListener('exit', stopWithUs);
    await rm(pidFile, { force: true });
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
      process.removeListener('exit', stopWithUs);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // The grace period's timer is cancelled once the server is gone, so it never keeps the
        // process alive after everything has stopped.
        const grace = new AbortController();
        const stopped = await Promise.race([
          exited.then(() => true),
          sleep(DEV_SERVER_STOP_GRACE_MS, undefined, { signal: grace.signal }).then(
            () => false,
            () => true,
          ),
        ]);
        grace.abort();
        if (!stopped) child.kill('SIGKILL');
      }
      await rm(pidFile, { force: true });
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

function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
  }
}

async function waitUntilReachable(address: string, timeoutMs: number): Promise<boolean> {
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
 * Registers the project's custom search attributes on a server that lacks them (a self-hosted
 * cluster). Temporal Cloud manages them through its own control plane, so a refusal is a warning.
 */
async function ensureSearchAttributes(
  client: Client,
  namespace: string,
  logger: Logger,
): Promise<boolean> {
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = searchAttributeDefinitions.filter(
      (sa) => !(sa.name in (existing.customAttributes ?? {})),
    );
    if (missing.length === 0) return true;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((sa) => [sa.name, indexedValueType[sa.type]]),
      ),
    });
    logger.info({ added: missing.map((sa) => sa.name) }, 'registered Temporal search attributes');
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
