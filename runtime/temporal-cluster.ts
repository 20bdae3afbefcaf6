import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import pg from 'pg';
import { searchAttributeDefinitions } from '../common/temporal-names.js';
import type { Logger } from './logger.js';
import { createDatabaseIfMissing } from './postgres.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { registerSearchAttributes, waitUntilReachable } from './temporal.js';
import type { temporalServerBuild } from './tools.js';

// A real Temporal cluster (not the dev server): the pinned release built by runtime/tools.ts,
// PostgreSQL persistence and SQL visibility in two databases of its own, the schemas set up and
// updated by the release's own SQL tool, its four services (frontend, history, matching, worker)
// in four processes as a production deployment runs them (or in one), a namespace with the
// product's search attributes. Used by `npm run temporal-cluster` (scripts/temporal-cluster.ts).

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** How long a service has to stop before it is killed: history hands its shards over first */
const SERVICE_STOP_GRACE_MS = 30_000;

/**
 * How the PostgreSQL connections are shared out between the services' processes: history does
 * most of the reads and writes (every shard's queues, every run's state and events), matching
 * persists the tasks no poller took at once, the frontend and the worker service little. With an
 * even share, history's pool was the one full under 100,000 starts (its reads timed out waiting).
 */
const CONNECTION_WEIGHTS: Record<TemporalService, number> = {
  frontend: 1,
  history: 4,
  matching: 2,
  worker: 1,
};

/**
 * Runs the history service keeps in memory (the release: 128,000, for an hour after their last
 * use). Each took about 40 KB of RSS here, so 20,000 hold it near 1 GB; the byte-based limit
 * (history.cacheSizeBasedLimit) did not: at 512 MB it let RSS grow by the same 40 KB a run.
 */
const HISTORY_CACHE_RUNS = 20_000;

/**
 * The dynamic config the cluster starts with (the server reads the file again every 10 s, so it
 * can be edited while it runs). The release allows 10 visibility calls a second per namespace and
 * frontend; past that a call is refused (RESOURCE_EXHAUSTED) and the SDK retries it after about
 * 2 s. Every list of account applications is one such call, so that would cap the product's list
 * route at 10 requests a second per frontend; 200 leaves the cost of a query (a few milliseconds
 * of PostgreSQL at 100,000 runs) as the limit instead.
 */
export const DYNAMIC_CONFIG = {
  'frontend.namespaceRPS.visibility': [{ value: 200 }],
  // Every run touched in the last hour stayed in memory: 4 GB of RSS with 100,000 started here
  'history.hostLevelCacheMaxSize': [{ value: HISTORY_CACHE_RUNS }],
};

/** Where Temporal's SQL stores live, and as whom it connects */
export interface SqlStore {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The default store (executions, history, tasks) and SQL visibility */
  databases: { temporal: string; visibility: string };
}

export interface ServicePorts {
  grpc: number;
  membership: number;
  /** The frontend's HTTP API */
  http?: number;
  /** Prometheus metrics of the process running this service (one per process) */
  metrics: number;
}

/**
 * The release's own port plan (7233 frontend, 7234 history, 7235 matching, 7239 worker, 69xx
 * membership, 7243 the frontend's HTTP API, 8000+ metrics), shifted as a whole so that the
 * frontend gets `frontendPort`.
 */
export function servicePorts(frontendPort: number): Record<TemporalService, ServicePorts> {
  const shift = frontendPort - 7233;
  if (6933 + shift < 1024 || 8003 + shift > 65535)
    throw new Error(`frontend port ${frontendPort} leaves the other services' ports out of range`);
  const at = (port: number) => port + shift;
  return {
    frontend: { grpc: at(7233), membership: at(6933), http: at(7243), metrics: at(8000) },
    history: { grpc: at(7234), membership: at(6934), metrics: at(8001) },
    matching: { grpc: at(7235), membership: at(6935), metrics: at(8002) },
    worker: { grpc: at(7239), membership: at(6939), metrics: at(8003) },
  };
}

export interface ClusterSettings {
  store: SqlStore;
  /** Fixed for the cluster's life: see README "A real Temporal cluster" */
  numHistoryShards: number;
  /**
   * PostgreSQL connections all of the cluster's processes may hold at once, shared out by
   * CONNECTION_WEIGHTS, and within a process three quarters to the default store, a quarter to
   * visibility. Keep it under the server's max_connections (100 unless set) less what the
   * product and the tools need.
   */
  postgresConnections: number;
  processes: 1 | 4;
  frontendPort: number;
  /** Services' log files and the dynamic config file */
  dir: string;
}

/**
 * The server's configuration for a process running `services`, as Temporal's config loader reads
 * it (JSON is YAML). Every process of the cluster gets the same one but for its log file and its
 * metrics port.
 */
export function serverConfig(
  settings: ClusterSettings,
  services: readonly TemporalService[],
): Record<string, unknown> {
  const { store } = settings;
  const ports = servicePorts(settings.frontendPort);
  const weight = (of: readonly TemporalService[]) =>
    of.reduce((sum, service) => sum + CONNECTION_WEIGHTS[service], 0);
  const perProcess = Math.floor(
    (settings.postgresConnections * weight(services)) / weight(TEMPORAL_SERVICES),
  );
  const defaultConnections = Math.ceil((perProcess * 3) / 4);
  if (perProcess - defaultConnections < 1)
    throw new Error(
      `${settings.postgresConnections} PostgreSQL connections leave too few for ${services.join(', ')}`,
    );
  const sql = (database: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${store.host}:${store.port}`,
      connectProtocol: 'tcp',
      user: store.user,
      password: store.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  return {
    log: {
      stdout: false,
      level: 'warn',
      format: 'json',
      outputFile: path.join(settings.dir, 'logs', `${services.join('-')}.log`),
    },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: settings.numHistoryShards,
      datastores: {
        default: sql(store.databases.temporal, defaultConnections),
        visibility: sql(store.databases.visibility, perProcess - defaultConnections),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: {
          framework: 'tally',
          timerType: 'histogram',
          listenAddress: `127.0.0.1:${ports[services[0]!].metrics}`,
        },
      },
    },
    services: Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => {
        const { grpc, membership, http } = ports[service];
        return [
          service,
          {
            rpc: {
              grpcPort: grpc,
              membershipPort: membership,
              bindOnIP: '127.0.0.1',
              ...(http === undefined ? {} : { httpPort: http }),
            },
          },
        ];
      }),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${settings.frontendPort}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: {
      archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    },
    dynamicConfigClient: {
      filepath: path.join(settings.dir, 'dynamicconfig.yaml'),
      pollInterval: '10s',
    },
  };
}

/**
 * The SQL tool's runs that bring both databases to the release's schema: `setup-schema -v 0.0`
 * creates the version table (a no-op once it exists), `update-schema` applies every versioned
 * directory the database has not had yet (a no-op when it is current). Connection settings go
 * in the environment (SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD), the password kept off the
 * command line.
 */
export function schemaSteps(
  store: SqlStore,
  schemaDir: string,
): { database: string; args: string[] }[] {
  return [
    {
      database: store.databases.temporal,
      versioned: path.join(schemaDir, 'temporal', 'versioned'),
    },
    {
      database: store.databases.visibility,
      versioned: path.join(schemaDir, 'visibility', 'versioned'),
    },
  ].flatMap(({ database, versioned }) => {
    const common = ['--plugin', 'postgres12', '--db', database];
    return [
      { database, args: [...common, 'setup-schema', '-v', '0.0'] },
      { database, args: [...common, 'update-schema', '-d', versioned] },
    ];
  });
}

/**
 * Gives Temporal a login and two databases of its own on a PostgreSQL reached as a superuser
 * (the embedded one), with a new password for the login at every start. Returns the store.
 */
export async function provisionStore(
  adminUrl: string,
  names: { user: string; databases: SqlStore['databases'] },
): Promise<SqlStore> {
  const url = new URL(adminUrl);
  const password = randomBytes(24).toString('hex');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const role = pg.escapeIdentifier(names.user);
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
      names.user,
    ]);
    await client.query(
      `${rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${role} WITH LOGIN PASSWORD ${pg.escapeLiteral(password)}`,
    );
    for (const database of Object.values(names.databases)) {
      await createDatabaseIfMissing(adminUrl, database);
      await client.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} OWNER TO ${role}`);
    }
  } finally {
    await client.end();
  }
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: names.user,
    password,
    databases: names.databases,
  };
}

/** The store a PostgreSQL URL names, whose login owns (or may create) the two databases */
export async function storeAt(url: string, databases: SqlStore['databases']): Promise<SqlStore> {
  const parsed = new URL(url);
  for (const database of Object.values(databases)) await createDatabaseIfMissing(url, database);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    databases,
  };
}

/** Runs the SQL tool's schema steps in order; a failure carries what the tool printed. */
export async function applySchemas(
  build: Pick<typeof temporalServerBuild, 'sqlTool' | 'schemaDir'>,
  store: SqlStore,
  logger: Logger,
): Promise<void> {
  const env = {
    ...process.env,
    SQL_HOST: store.host,
    SQL_PORT: String(store.port),
    SQL_USER: store.user,
    SQL_PASSWORD: store.password,
  };
  for (const step of schemaSteps(store, build.schemaDir)) {
    try {
      await promisify(execFile)(build.sqlTool, step.args, { env, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `temporal-sql-tool ${step.args.join(' ')} failed:\n${`${stdout ?? ''}${stderr ?? ''}`.trimEnd()}`,
      );
    }
    logger.info(
      {
        database: step.database,
        step: step.args.at(-3) === 'setup-schema' ? 'setup-schema' : 'update-schema',
      },
      'Temporal schema step done',
    );
  }
}

export interface RunningCluster {
  address: string;
  stop(): Promise<void>;
}

/**
 * Starts the cluster's services, `processes` = 4 as a deployment runs them (one process each,
 * each with its own membership) or 1 as the release's `temporal-server start` does by default,
 * and waits until the frontend answers.
 */
export async function startCluster(options: {
  serverBinary: string;
  settings: ClusterSettings;
  logger: Logger;
}): Promise<RunningCluster> {
  const { settings, logger } = options;
  await mkdir(path.join(settings.dir, 'logs'), { recursive: true });
  await writeFile(
    path.join(settings.dir, 'dynamicconfig.yaml'),
    `${JSON.stringify(DYNAMIC_CONFIG, null, 2)}\n`,
  );
  const groups: (readonly TemporalService[])[] =
    settings.processes === 1 ? [TEMPORAL_SERVICES] : TEMPORAL_SERVICES.map((s) => [s]);
  const running: { name: string; process: ServerProcess }[] = [];
  const stop = async () => {
    // The frontend first, so no new call comes in; history last, so the others can still reach it.
    for (const { name, process } of [...running].sort(
      (a, b) => stopOrder(a.name) - stopOrder(b.name),
    )) {
      await process.stop(SERVICE_STOP_GRACE_MS);
      logger.info({ services: name }, 'Temporal service stopped');
    }
  };
  try {
    for (const services of groups) {
      const name = services.join('-');
      const configDir = path.join(settings.dir, 'config');
      await mkdir(configDir, { recursive: true });
      await writeFile(
        path.join(configDir, `${name}.yaml`),
        `${JSON.stringify(serverConfig(settings, services), null, 2)}\n`,
        { mode: 0o600 },
      );
      const process = await startServerProcess({
        command: options.serverBinary,
        args: [
          '--root',
          settings.dir,
          '--config',
          'config',
          '--env',
          name,
          '--allow-no-auth',
          'start',
          ...services.flatMap((service) => ['--service', service]),
        ],
        pidFile: path.join(settings.dir, `${name}.pid`),
        what: `Temporal ${name} service`,
        logger,
      });
      running.push({ name, process });
    }
    const address = `127.0.0.1:${settings.frontendPort}`;
    const exitedEarly = Promise.race(
      running.map(({ name, process }) => process.exited.then(() => name)),
    );
    const ready = await Promise.race([
      waitUntilReachable(address, 120_000).then((up) => (up ? true : 'timeout')),
      exitedEarly,
    ]);
    if (ready !== true) {
      const printed = running.flatMap(({ name, process }) =>
        process.lastLines().map((line) => `${name}: ${line}`),
      );
      throw new Error(
        `the Temporal cluster did not come up on ${address} (${ready === 'timeout' ? 'no answer in 120 s' : `${ready} exited`}); its logs are in ${path.join(settings.dir, 'logs')}` +
          (printed.length > 0 ? `\n${printed.join('\n')}` : ''),
      );
    }
    return { address, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function stopOrder(name: string): number {
  return name === 'frontend' ? 0 : name === 'history' ? 2 : 1;
}

/**
 * Registers `namespace` unless it exists, then the product's search attributes in it, retrying
 * while the cluster is still taking its shards; resolves once a workflow start with them would be
 * accepted (the frontends read namespaces from a cache refreshed every few seconds).
 */
export async function prepareNamespace(options: {
  address: string;
  namespace: string;
  retentionDays: number;
  timeoutMs: number;
  logger: Logger;
}): Promise<{ registered: boolean; searchAttributesAdded: string[] }> {
  const { address, namespace, logger } = options;
  const deadline = Date.now() + options.timeoutMs;
  const connection = await Connection.connect({ address });
  try {
    const retrying = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await call();
        } catch (error) {
          if (Date.now() > deadline) throw error;
          logger.debug({ err: error }, `${what}: retrying`);
          await sleep(500);
        }
      }
    };
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!exists)
      await retrying('register namespace', () =>
        connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays} days`),
        }),
      );
    await retrying('describe namespace', () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
    const client = new Client({ connection, namespace });
    const added = await retrying('register search attributes', () =>
      registerSearchAttributes(client, namespace),
    );
    await retrying('search attributes listed', async () => {
      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = searchAttributeDefinitions.filter(
        (sa) => !(sa.name in (listed.customAttributes ?? {})),
      );
      if (missing.length > 0)
        throw new Error(`not listed yet: ${missing.map((sa) => sa.name).join(', ')}`);
    });
    return { registered: !exists, searchAttributesAdded: added };
  } finally {
    await connection.close();
  }
}

/** The Web UI server's configuration (its loader reads YAML; JSON is YAML). */
export function webUiConfig(options: {
  frontendAddress: string;
  port: number;
  namespace: string;
}): Record<string, unknown> {
  return {
    temporalGrpcAddress: options.frontendAddress,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    notifyOnNewVersion: false,
    refreshInterval: '1m',
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${options.port}`] },
  };
}

/**
 * Serves the Temporal Web UI for the cluster: the release of the UI server the Temporal CLI's
 * dev server embeds, as a process of its own, as a deployment runs it. Resolves once it answers.
 */
export async function startWebUi(options: {
  uiServer: string;
  dir: string;
  frontendAddress: string;
  port: number;
  namespace: string;
  logger: Logger;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const configDir = path.join(options.dir, 'ui');
  await mkdir(configDir, { recursive: true });
  await writeFile(
    path.join(configDir, 'cluster.yaml'),
    `${JSON.stringify(webUiConfig(options), null, 2)}\n`,
  );
  const ui = await startServerProcess({
    command: options.uiServer,
    args: ['--root', options.dir, '--config', 'ui', '--env', 'cluster', 'start'],
    pidFile: path.join(options.dir, 'ui.pid'),
    what: 'Temporal Web UI',
    logger: options.logger,
  });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answered = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline || ui.lastLines().some((line) => line.includes('Unable to start'))) {
      await ui.stop(0);
      throw new Error(
        `the Temporal Web UI did not come up on ${url}:\n${ui.lastLines().join('\n')}`,
      );
    }
    await sleep(200);
  }
  return { url, stop: () => ui.stop(SERVICE_STOP_GRACE_MS) };
}
