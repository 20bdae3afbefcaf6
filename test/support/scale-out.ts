import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { workflowIds } from '../../common/temporal-names.js';
import type { Logger } from '../../runtime/logger.js';
import { applyMigrations } from '../../runtime/migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../runtime/postgres.js';
import { startTemporalDevServer } from '../../runtime/temporal.js';
import { workflowBundlePath } from '../../runtime/workflow-bundle.js';
import { sampleOrg } from './constants.js';
import { freePort } from './free-port.js';
import { copyWorkflowBundle, startEntryPoint, type RunningEntryPoint } from './processes.js';

// The production topology on one machine: one PostgreSQL and one Temporal server, two API
// processes (bin/api.ts) and two workers (bin/worker.ts) against them. Creating writes and status
// changes are spread over both APIs; one API and one worker are killed with SIGKILL mid-load;
// clients whose API died retry on the other with the same Idempotency-Key (or If-Match). The
// database then shows whether every write was applied exactly once, and Temporal whether every
// process the writes started has finished. Used by `npm run scale-out` and by its test.

const OPERATOR_KEY = 'scale-out-operator-key-0123456789abcdef';
const SERVER_SECRET = 'scale-out-server-secret-0123456789abcdef0123456789';
const SESSION_SECRET = 'scale-out-session-secret-0123456789abcdef01234567';
/** Start-up of an entry point: loading the product's code on a machine busy with the others */
const START_TIMEOUT_MS = 120_000;
/**
 * How long a write may take to be answered after the kill, and a submitted application to reach
 * its final state: an activity the killed worker had started runs again only after its
 * start-to-close timeout (15 s for the application's activities), on a busy machine.
 */
const SETTLE_TIMEOUT_MS = 120_000;

/** The shared servers every process of the product connects to. */
export interface SharedServers {
  /** The database as the owner of its tables: migrations, and the final count */
  ownerUrl: string;
  /** The same database as the product's least-privilege login */
  productUrl: string;
  temporalAddress: string;
  /** The namespace the processes use; `default` unless given */
  temporalNamespace?: string;
  /** PostgreSQL's data directory when it runs on this machine (its CPU is read from /proc) */
  postgresDataDir?: string;
}

/**
 * An embedded PostgreSQL (migrated) and a Temporal dev server under `dir`, as a deployment has its
 * own; or, given `temporal`, that existing server (`npm run temporal-cluster`) instead of a dev server.
 */
export async function startSharedServers(
  dir: string,
  logger: Logger,
  temporal?: { address: string; namespace: string },
): Promise<SharedServers & { stop(): Promise<void> }> {
  const database = 'card_issuing';
  const postgresDataDir = path.join(dir, 'postgres');
  const postgres = await startEmbeddedPostgres({
    dataDir: postgresDataDir,
    port: await freePort(),
    logger,
  });
  try {
    await createDatabaseIfMissing(postgres.ownerUrl('postgres'), database);
    await applyMigrations(postgres.ownerUrl(database));
    await postgres.enableProductLogin();
    const devServer = temporal
      ? undefined
      : await startTemporalDevServer({
          port: await freePort(),
          uiPort: 'headless',
          databaseFile: path.join(dir, 'temporal', 'temporal.db'),
          namespace: 'default',
          logger,
        });
    return {
      ownerUrl: postgres.ownerUrl(database),
      productUrl: postgres.productUrl(database),
      temporalAddress: temporal?.address ?? devServer!.address,
      temporalNamespace: temporal?.namespace,
      postgresDataDir,
      async stop() {
        await devServer?.stop();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

/** API and worker processes of the product, started by startProduct. */
export interface RunningProduct {
  apiUrls: string[];
  apis: RunningEntryPoint[];
  workers: RunningEntryPoint[];
  operatorKey: string;
  taskQueue: string;
  /** Logs the last errors each process logged (after a failure) */
  reportErrors(): void;
  /** SIGKILLs every process still running */
  kill(): Promise<void>;
}

/**
 * `apis` API processes (bin/api.ts) and `workers` workers (bin/worker.ts) against `servers`, as
 * production runs them (NODE_ENV=production), on a task queue of their own; `env` is added to
 * their environment.
 */
export async function startProduct(options: {
  servers: SharedServers;
  /** The processes' DATA_DIR: the workflow bundle, reports */
  dataDir: string;
  /** A workflow bundle built already; one is built into dataDir otherwise */
  workflowBundle?: string;
  apis: number;
  workers: number;
  env?: Record<string, string>;
  logger: Logger;
}): Promise<RunningProduct> {
  const { servers, dataDir, logger } = options;
  await placeWorkflowBundle(dataDir, options.workflowBundle, logger);
  const taskQueue = `scale-out-${Date.now().toString(36)}`;
  const baseEnv = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    DATABASE_URL: servers.productUrl,
    DATABASE_MIGRATION_URL: servers.ownerUrl,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_NAMESPACE: servers.temporalNamespace ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    OPERATOR_API_KEY: OPERATOR_KEY,
    SERVER_SECRET,
    SESSION_SECRET,
    ...options.env,
  };
  const apiPorts = await Promise.all(Array.from({ length: options.apis }, () => freePort()));
  const starts = await Promise.allSettled([
    ...apiPorts.map((port) =>
      startEntryPoint(
        'bin/api.ts',
        { ...baseEnv, PORT: String(port) },
        'API listening',
        START_TIMEOUT_MS,
      ),
    ),
    ...Array.from({ length: options.workers }, () =>
      startEntryPoint(
        'bin/worker.ts',
        { ...baseEnv, PORT: '0' },
        'worker running',
        START_TIMEOUT_MS,
      ),
    ),
  ]);
  const processes = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  const kill = async () => {
    await Promise.all(processes.map((process) => process.killGroup()));
  };
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed) {
    await kill();
    throw failed.reason;
  }
  return {
    apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`),
    apis: processes.slice(0, options.apis),
    workers: processes.slice(options.apis),
    operatorKey: OPERATOR_KEY,
    taskQueue,
    reportErrors() {
      for (const process of processes) {
        const errors = process
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line));
        if (errors.length > 0)
          logger.error({ errors: errors.slice(-3) }, 'a product process logged errors');
      }
    },
    kill,
  };
}

/** How many writes of each kind the load sends. */
export interface ScaleOutLoad {
  accounts: number;
  /** Submitted at once, so a worker must run each one's workflow to its end */
  applications: number;
  cashIns: number;
  /** NORMAL → BLOCKED with If-Match, one per account */
  statusChanges: number;
  /** Writes in flight at once */
  concurrency: number;
}

export interface ScaleOutReport {
  apis: number;
  workers: number;
  sent: number;
  applied: number;
  duplicated: number;
  lost: number;
  /** Writes whose last answer was not the success their route gives */
  failed: number;
  /** Writes answered before the kill */
  answeredBeforeKill: number;
  /** Writes that needed more than one attempt (their API died, or the key was still in progress) */
  retried: number;
  workflowsStarted: number;
  workflowsCompleted: number;
  workflowsRunning: number;
  /**
   * From the kill until every write was answered and every workflow finished; past a minute when
   * the killed worker had an activity in flight (retried after its start-to-close timeout)
   */
  secondsToSettle: number;
  /** Survivors that stopped on SIGTERM with exit code 0 */
  cleanStops: number;
  seconds: number;
}

interface Write {
  name: string;
  kind: 'account' | 'application' | 'cash-in' | 'status-change';
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
  /** The org's test-environment key */
  key: string;
  /** The API it is sent to first; the other one after a failure */
  api: number;
  /** Where its effect shows in the database: a query answering `n`, the rows it made */
  count: { sql: string; params: unknown[] };
}

interface Answer {
  status: number;
  body: any;
  attempts: number;
}

/**
 * Starts two APIs and two workers against `servers`, sends `load` over both APIs, kills one of
 * each once a third of the writes are answered, and counts what the database and Temporal hold.
 */
export async function runScaleOut(options: {
  servers: SharedServers;
  /** The processes' DATA_DIR: the workflow bundle, reports */
  dataDir: string;
  /** A workflow bundle built already; one is built into dataDir otherwise */
  workflowBundle?: string;
  load: ScaleOutLoad;
  logger: Logger;
}): Promise<ScaleOutReport> {
  const { load, logger } = options;
  const started = performance.now();
  const product = await startProduct({ ...options, apis: 2, workers: 2 });
  const { apiUrls } = product;
  const db = new pg.Client({ connectionString: options.servers.ownerUrl });
  const connection = await Connection.connect({ address: options.servers.temporalAddress });
  try {
    const [api0, api1] = product.apis as [RunningEntryPoint, RunningEntryPoint];
    const [worker0, worker1] = product.workers as [RunningEntryPoint, RunningEntryPoint];
    logger.info({ apis: apiUrls }, 'two APIs and two workers running');
    await db.connect();

    const send = clientOf(apiUrls);
    const writes = await prepare(send, load, product.operatorKey);
    logger.info({ writes: writes.length }, 'sending the load');

    const answers = new Map<string, Answer>();
    let killed = false;
    let answeredBeforeKill = 0;
    let killedAt = 0;
    const killAfter = Math.ceil(writes.length / 3);
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    await inParallel(writes, load.concurrency, async (write) => {
      answers.set(write.name, await sendUntilAnswered(send, write, deadline));
      if (!killed && answers.size >= killAfter) {
        killed = true;
        answeredBeforeKill = answers.size;
        killedAt = performance.now();
        // Both at once, while the other clients' writes are in flight on them.
        await Promise.all([api0.killGroup(), worker0.killGroup()]);
        logger.info({ answeredBeforeKill }, 'killed one API and one worker with SIGKILL');
      }
    });

    const temporal = new Client({ connection, namespace: options.servers.temporalNamespace });
    const applicationIds = writes
      .filter((write) => write.kind === 'application')
      .map((write) => answers.get(write.name)?.body?.id as string | undefined)
      .filter((id): id is string => id !== undefined);
    const finals = await Promise.all(
      applicationIds.map((id) =>
        finalStatus(temporal, workflowIds.accountApplication(id), deadline),
      ),
    );

    const secondsToSettle = Math.round((performance.now() - killedAt) / 100) / 10;

    let applied = 0;
    let duplicated = 0;
    let lost = 0;
    for (const write of writes) {
      const { rows } = await db.query<{ n: number }>(write.count.sql, write.count.params);
      const n = rows[0]?.n ?? 0;
      if (n > 0) applied += 1;
      if (n > 1) duplicated += n - 1;
      if (n === 0) lost += 1;
    }
    const failed = writes.filter((write) => !succeeded(write, answers.get(write.name))).length;
    if (failed > 0) {
      logger.warn(
        writes
          .filter((write) => !succeeded(write, answers.get(write.name)))
          .slice(0, 5)
          .map((write) => ({ write: write.name, answer: answers.get(write.name) })),
        'writes without a successful answer',
      );
    }

    const survivors = [api1, worker1];
    const stops = await Promise.all(survivors.map(stopGracefully));
    return {
      apis: 2,
      workers: 2,
      sent: writes.length,
      applied,
      duplicated,
      lost,
      failed,
      answeredBeforeKill,
      retried: [...answers.values()].filter((answer) => answer.attempts > 1).length,
      workflowsStarted: applicationIds.length,
      workflowsCompleted: finals.filter((status) => status === 'COMPLETED').length,
      workflowsRunning: finals.filter((status) => status === 'RUNNING').length,
      secondsToSettle,
      cleanStops: stops.filter(Boolean).length,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } catch (error) {
    // What the processes said about it
    product.reportErrors();
    throw error;
  } finally {
    await product.kill();
    await db.end().catch(() => undefined);
    await connection.close();
  }
}

/** The figures as one table, for a person. */
export function formatReport(report: ScaleOutReport): string {
  const rows: [string, string | number][] = [
    ['processes', `${report.apis} APIs + ${report.workers} workers, 1 API + 1 worker SIGKILLed`],
    ['writes sent', report.sent],
    ['answered before the kill', report.answeredBeforeKill],
    ['retried (on the other API)', report.retried],
    ['applied', report.applied],
    ['duplicated', report.duplicated],
    ['lost', report.lost],
    ['without a successful answer', report.failed],
    ['application workflows started', report.workflowsStarted],
    ['completed', report.workflowsCompleted],
    ['still running', report.workflowsRunning],
    ['seconds from the kill to settled', report.secondsToSettle],
    ['survivors stopped cleanly', `${report.cleanStops} of 2`],
    ['seconds, start to stop', report.seconds],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

type Send = (
  api: number,
  method: string,
  path: string,
  options?: { key?: string; body?: unknown; headers?: Record<string, string> },
) => Promise<{ status: number; body: any; headers: Headers }>;

function clientOf(apiUrls: string[]): Send {
  return async (api, method, route, options = {}) => {
    const response = await fetch(`${apiUrls[api % apiUrls.length]}${route}`, {
      method,
      headers: {
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      headers: response.headers,
    };
  };
}

/** An org, a program and the accounts the cash-ins and status changes act on; then the writes. */
async function prepare(send: Send, load: ScaleOutLoad, operatorKey: string): Promise<Write[]> {
  const created = async (response: Promise<{ status: number; body: any; headers: Headers }>) => {
    const answer = await response;
    if (answer.status !== 201) throw new Error(`${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  };
  const org = await created(
    send(0, 'POST', '/v1/orgs', {
      key: operatorKey,
      body: { ...sampleOrg, legalName: 'Scale-out Pagamentos S.A.', networks: ['VISA'] },
    }),
  );
  const key: string = org.body.apiKey.token;
  const program = await created(
    send(1, 'POST', '/v1/programs', {
      key,
      body: { name: 'Scale-out', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
    }),
  );
  const programId: string = program.body.id;
  const existing = await inParallel(
    Array.from({ length: load.cashIns + load.statusChanges }, (_, i) => i),
    load.concurrency,
    (i) =>
      created(
        send(i, 'POST', '/v1/accounts', {
          key,
          body: {
            programId,
            owner: { person: { name: `Existing ${i}`, documentNumber: `SO-PRE-${i}` } },
          },
        }),
      ),
  );

  const writes: Write[] = [];
  const add = (write: Omit<Write, 'api' | 'key'>) =>
    writes.push({ ...write, key, api: writes.length % 2 });
  const run = Date.now().toString(36);
  // Interleaved, so every kind is in flight when the kill comes.
  const longest = Math.max(load.accounts, load.applications, load.cashIns, load.statusChanges);
  for (let i = 0; i < longest; i++) {
    if (i < load.accounts)
      add({
        name: `account-${i}`,
        kind: 'account',
        method: 'POST',
        path: '/v1/accounts',
        body: {
          programId,
          owner: { person: { name: `Holder ${i}`, documentNumber: `SO-ACC-${i}` } },
        },
        headers: { 'Idempotency-Key': `scale-out-${run}-account-${i}` },
        count: {
          sql: `SELECT count(*)::int AS n FROM "AccountCustomer" ac JOIN "Customer" c ON c.id = ac."customerId" WHERE c."documentNumber" = $1`,
          params: [`SO-ACC-${i}`],
        },
      });
    if (i < load.applications)
      add({
        name: `application-${i}`,
        kind: 'application',
        method: 'POST',
        path: '/v1/account-applications',
        body: {
          programId,
          applicant: { person: { name: `Applicant ${i}`, documentNumber: `SO-APP-${i}` } },
          submit: true,
        },
        headers: { 'Idempotency-Key': `scale-out-${run}-application-${i}` },
        // The account its workflow opened: one, whoever ran it
        count: {
          sql: `SELECT count(*)::int AS n FROM "AccountCustomer" ac JOIN "Customer" c ON c.id = ac."customerId" WHERE c."documentNumber" = $1`,
          params: [`SO-APP-${i}`],
        },
      });
    if (i < load.cashIns) {
      const accountId: string = existing[i]!.body.id;
      add({
        name: `cash-in-${i}`,
        kind: 'cash-in',
        method: 'POST',
        path: `/v1/accounts/${accountId}/transactions`,
        body: { type: 'CASH_IN', amount: 1_000 + i, currency: 'BRL' },
        headers: { 'Idempotency-Key': `scale-out-${run}-cash-in-${i}` },
        count: {
          sql: `SELECT count(*)::int AS n FROM "AccountTransaction" WHERE "accountId" = $1`,
          params: [accountId],
        },
      });
    }
    if (i < load.statusChanges) {
      const account = existing[load.cashIns + i]!;
      add({
        name: `status-change-${i}`,
        kind: 'status-change',
        method: 'PATCH',
        path: `/v1/accounts/${account.body.id as string}/status`,
        body: { status: 'BLOCKED', description: 'Scale-out check' },
        // The version it was read at: a repeat of an applied change is refused, never applied twice
        headers: { 'If-Match': account.headers.get('etag')! },
        count: {
          sql: `SELECT count(*)::int AS n FROM "AccountStatusChange" WHERE "accountId" = $1 AND "toStatus" = 'BLOCKED'`,
          params: [account.body.id],
        },
      });
    }
  }
  return writes;
}

/**
 * What a client does when its API dies: the same request, with the same Idempotency-Key or
 * If-Match, on the next API, until it is answered.
 */
async function sendUntilAnswered(send: Send, write: Write, deadline: number): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await send(write.api + attempt, write.method, write.path, {
        key: write.key,
        body: write.body,
        headers: write.headers,
      });
      const stillRunning =
        response.status === 409 && response.body?.type === '/problems/idempotency-key-in-progress';
      if (!stillRunning && response.status < 500)
        return { status: response.status, body: response.body, attempts: attempt + 1 };
    } catch {
      // the API died with the request in flight, or is not listening any more
    }
    if (Date.now() > deadline) throw new Error(`${write.name} got no answer in time`);
    await sleep(100);
  }
}

function succeeded(write: Write, answer: Answer | undefined): boolean {
  if (!answer) return false;
  if (write.kind === 'status-change')
    // 412 to a repeat whose first attempt was applied but never answered
    return answer.status === 200 || (answer.status === 412 && answer.attempts > 1);
  return answer.status === 201;
}

/** `work` on every item, at most `concurrency` at a time; the results in the items' order. */
async function inParallel<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

/** The run's status once it is no longer running, or RUNNING at the deadline. */
async function finalStatus(
  temporal: Client,
  workflowId: string,
  deadline: number,
): Promise<string> {
  for (;;) {
    const { status } = await temporal.workflow.getHandle(workflowId).describe();
    if (status.name !== 'RUNNING' || Date.now() > deadline) return status.name;
    await sleep(200);
  }
}

export async function stopGracefully(process: RunningEntryPoint): Promise<boolean> {
  const exited = new Promise<number | null>((resolve) =>
    process.child.once('exit', (code) => resolve(code)),
  );
  process.child.kill('SIGTERM');
  // Cancelled once the process is gone, so it never keeps the script alive.
  const grace = new AbortController();
  const code = await Promise.race([
    exited,
    sleep(30_000, 'timeout' as const, { signal: grace.signal }).catch(() => 'stopped' as const),
  ]);
  grace.abort();
  return code === 0;
}

async function placeWorkflowBundle(dataDir: string, built: string | undefined, logger: Logger) {
  if (built) await copyWorkflowBundle(dataDir, built);
  else await workflowBundlePath(path.join(dataDir, 'workflow-bundles'), logger);
}
