import type { IncomingHttpHeaders } from 'node:http';
import autocannon from 'autocannon';
import { Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import pg from 'pg';
import type { Logger } from '../runtime/logger.js';
import { sampleOrg } from '../test/support/constants.js';
import {
  startProduct,
  stopGracefully,
  type RunningProduct,
  type SharedServers,
} from '../test/support/scale-out.js';
import { startReceiver, type WebhookReceiver } from '../test/support/webhook-receiver.js';
import { onStop } from './lifecycle.js';
import { latencyPercentiles, textTable } from './measure.js';
import { postgresCpuMs, processCpuMs, processRssMb } from './process-cpu.js';
import {
  accountId,
  addAccountsInChunks,
  createOrgs,
  issueOrgKeys,
  orgId,
  ORGS,
  programId,
} from './scale-data.js';

// Sustained mixed load (`npm run load`) on the production topology: the scale data set in one
// PostgreSQL, a Temporal server, N API and M worker processes, autocannon sending a fixed mix at
// a fixed rate to the APIs (split evenly, as a load balancer would) and webhooks delivered to a
// receiver here. The rate is stepped up in stages until one misses p99 < P99_GOAL_MS or answers
// anything but success (down, when the first stage misses, until one meets both); the whole
// duration then runs at the highest rate that met both.

const P99_GOAL_MS = 250;
/** The data set's days of balances and events per account, as `npm run scale` makes them */
const DAYS = 30;
const EVENTS_PER_ACCOUNT = 10;
const HISTORY_DAYS = 730;
/** Below this every org lacks a standalone NORMAL account (number 14 of each block of 30) */
export const MIN_ACCOUNTS = 15 * ORGS;
/** Orgs made through the API, so they have an onboarding process to ask about */
const ONBOARDING_ORGS = 2;
/** How many accounts of the data set the reads pick from, at random */
const READ_SAMPLE = 4096;
/** Accounts whose status the load toggles (NORMAL ⇄ BLOCKED with If-Match), at most */
const STATUS_ACCOUNTS = 4096;
/** A stage met its rate if it answered at least this share of it */
const RATE_MET = 0.95;
/** How long the webhooks of the last writes have to arrive after the run */
const DELIVERY_DEADLINE_MS = 60_000;
const REQUEST_TIMEOUT_S = 10;

export interface LoadOptions {
  servers: SharedServers;
  /** The processes' DATA_DIR */
  dataDir: string;
  workflowBundle?: string;
  accounts: number;
  apis: number;
  workers: number;
  durationSeconds: number;
  /** Run the whole duration at this rate instead of searching for one */
  rate?: number;
  search: { startRate: number; factor: number; stageSeconds: number; maxStages: number };
  /** Open connections from the load generator, over all APIs */
  connections: number;
  temporalNamespace: string;
  /** Added to the product processes' environment (an external Temporal's settings) */
  env?: Record<string, string>;
  logger: Logger;
  log: (line: string) => void;
}

interface RouteFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  statuses: Record<string, number>;
}

interface StageReport {
  targetRate: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than the route's success, socket errors and timeouts */
  errors: number;
  passed: boolean;
  routes: Record<string, RouteFigures>;
  /** A few of the failed answers, for a person */
  failures: string[];
}

interface ProcessReading {
  rssMb: number;
  cpuMs: number;
}

interface ProcessFigures {
  name: string;
  pid: number;
  /** Once started, before any load */
  start: ProcessReading;
  /** At the start of the sustained run, after the search warmed it up */
  warm: ProcessReading;
  end: ProcessReading;
  /** CPU over the sustained run per request answered */
  cpuMsPerRequest: number;
}

export interface LoadReport {
  accounts: number;
  orgs: number;
  apis: number;
  workers: number;
  temporal: string;
  generatorSeconds: number;
  search: StageReport[];
  run: StageReport;
  /** The rate the whole duration met, or null when it missed p99 or answered an error */
  sustainedRequestsPerSecond: number | null;
  webhooks: { expected: number; delivered: number; p50Ms: number; p99Ms: number };
  processes: ProcessFigures[];
  postgres: {
    cpuMsPerRequest: number | null;
    connections: { max: number; end: number };
  };
  taskQueueBacklog: {
    workflow: { max: number; end: number };
    activity: { max: number; end: number };
  };
  cleanStops: number;
}

interface Account {
  id: string;
  key: string;
}

interface Toggled extends Account {
  version: number;
  status: 'NORMAL' | 'BLOCKED';
}

interface Fixtures {
  keys: string[];
  reads: (Account & { org: number })[];
  roots: Account[];
  toggles: Toggled[];
  programs: string[];
  onboarding: { orgId: string; key: string }[];
  endpoints: { id: string; key: string }[];
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { servers, log } = options;
  if (options.accounts < MIN_ACCOUNTS) throw new Error(`--accounts must be >= ${MIN_ACCOUNTS}`);
  const owner = new pg.Pool({ connectionString: servers.ownerUrl, max: 2 });
  owner.on('error', () => undefined);
  let receiver: WebhookReceiver | undefined;
  let product: RunningProduct | undefined;
  let stopProduct: (() => Promise<void>) | undefined;
  let connection: Connection | undefined;
  try {
    const t = performance.now();
    const perOrg = Math.floor(options.accounts / ORGS);
    await createOrgs(owner);
    await addAccountsInChunks(
      owner,
      { from: 1, to: perOrg },
      {
        days: DAYS,
        events: EVENTS_PER_ACCOUNT,
        eventDaysAgo: (chunk) => ({
          from: HISTORY_DAYS * (1 - (chunk.from - 1) / perOrg),
          to: HISTORY_DAYS * (1 - chunk.to / perOrg),
        }),
      },
      (last) => log(`${last * ORGS} accounts written`),
    );
    await owner.query('ANALYZE');
    const generatorSeconds = Math.round((performance.now() - t) / 100) / 10;
    log(`${perOrg * ORGS} accounts generated in ${generatorSeconds} s`);
    const keys = await issueOrgKeys(owner);

    receiver = await startReceiver();
    product = await startProduct({
      servers,
      dataDir: options.dataDir,
      workflowBundle: options.workflowBundle,
      apis: options.apis,
      workers: options.workers,
      // The receiver is plain HTTP on loopback, which production refuses unless told
      env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', ...options.env },
      logger: options.logger,
    });
    // Its processes are process groups of their own, which a Ctrl-C of the script does not reach
    stopProduct = onStop('the API and worker processes', () => product!.kill());
    log(`${options.apis} API(s) and ${options.workers} worker(s) running`);
    const fixtures = await prepare(owner, keys, perOrg, product, receiver.url);
    connection = await Connection.connect({ address: servers.temporalAddress });
    const processes = [
      ...product.apis.map((p, i) => ({ name: `api ${i + 1}`, pid: p.child.pid! })),
      ...product.workers.map((p, i) => ({ name: `worker ${i + 1}`, pid: p.child.pid! })),
    ];
    const readAll = () => Promise.all(processes.map((p) => reading(p.pid)));
    const start = await readAll();

    // Each stage changes the status of accounts of its own: a change still in flight when the
    // last stage stopped would leave the next one with a stale version (a 412)
    const stages = options.rate === undefined ? options.search.maxStages + 1 : 1;
    const slice = Math.floor(fixtures.toggles.length / stages);
    if (slice < options.connections)
      throw new Error(
        `${fixtures.toggles.length} accounts to change the status of are too few for ${stages} stage(s) of ${options.connections} connections: more --accounts, fewer --connections or --max-stages`,
      );
    const toggles = (stage: number) => fixtures.toggles.slice(stage * slice, (stage + 1) * slice);
    const search: StageReport[] = [];
    let rate = options.rate;
    if (rate === undefined) {
      let next = options.search.startRate;
      for (let stage = 0; stage < options.search.maxStages; stage++) {
        const report = await runStage(
          product.apiUrls,
          fixtures,
          toggles(stage + 1),
          next,
          options,
          log,
        );
        search.push(report);
        if (report.passed) {
          rate = next;
          next = Math.ceil(next * options.search.factor);
        } else if (rate === undefined && next > options.apis) {
          // Nothing met the goal yet: down until a rate does (at least 1/s to each API)
          next = Math.max(options.apis, Math.floor(next / options.search.factor));
        } else break;
      }
      rate ??= search.at(-1)!.targetRate;
    }

    const warm = await readAll();
    const postgresAtStart = servers.postgresDataDir
      ? await postgresCpuMs(servers.postgresDataDir)
      : undefined;
    const runStarted = Date.now();
    const sampler = sample(owner, connection, options.temporalNamespace, product.taskQueue);
    let run: StageReport;
    try {
      run = await runStage(
        product.apiUrls,
        fixtures,
        toggles(0),
        rate,
        { ...options, search: { ...options.search, stageSeconds: options.durationSeconds } },
        log,
      );
    } finally {
      sampler.stop();
    }
    const end = await readAll();
    const postgresAtEnd = servers.postgresDataDir
      ? await postgresCpuMs(servers.postgresDataDir)
      : undefined;
    const samples = await sampler.last();

    const webhooks = await deliveries(owner, receiver, runStarted);
    const stops = await Promise.all([...product.apis, ...product.workers].map(stopGracefully));
    const perRequest = (ms: number) => Math.round((ms / Math.max(run.requests, 1)) * 100) / 100;
    return {
      accounts: perOrg * ORGS,
      orgs: ORGS,
      apis: options.apis,
      workers: options.workers,
      temporal: options.env?.TEMPORAL_ADDRESS ? servers.temporalAddress : 'dev server',
      generatorSeconds,
      search,
      run,
      sustainedRequestsPerSecond: run.passed ? run.requestsPerSecond : null,
      webhooks,
      processes: processes.map((p, i) => ({
        ...p,
        start: start[i]!,
        warm: warm[i]!,
        end: end[i]!,
        cpuMsPerRequest: perRequest(end[i]!.cpuMs - warm[i]!.cpuMs),
      })),
      postgres: {
        cpuMsPerRequest:
          postgresAtStart === undefined ? null : perRequest(postgresAtEnd! - postgresAtStart),
        connections: samples.connections,
      },
      taskQueueBacklog: samples.backlog,
      cleanStops: stops.filter(Boolean).length,
    };
  } catch (error) {
    product?.reportErrors();
    throw error;
  } finally {
    await stopProduct?.();
    await receiver?.close();
    await connection?.close();
    await owner.end();
  }
}

async function reading(pid: number): Promise<ProcessReading> {
  const [rssMb, cpuMs] = await Promise.all([processRssMb(pid), processCpuMs(pid)]);
  return { rssMb: Math.round(rssMb), cpuMs };
}

/** The accounts each kind of request acts on, the orgs' keys, onboarding orgs and endpoints. */
async function prepare(
  owner: pg.Pool,
  keys: string[],
  perOrg: number,
  product: RunningProduct,
  receiverUrl: string,
): Promise<Fixtures> {
  const keyOf = (org: number) => keys[org - 1]!;
  const reads = (
    await owner.query<{ o: number; id: string }>(
      `SELECT o, ${accountId('o', 'n')} AS id FROM (
         SELECT 1 + floor(random() * ${ORGS})::int AS o, 1 + floor(random() * $1)::int AS n
         FROM generate_series(1, ${READ_SAMPLE})) s`,
      [perOrg],
    )
  ).rows.map((r) => ({ org: r.o, id: r.id, key: keyOf(r.o) }));
  // The roots of the trees: a related overview of 13 accounts each
  const roots = (
    await owner.query<{ o: number; id: string }>(
      `SELECT o, ${accountId('o', 'n')} AS id
       FROM generate_series(1, ${ORGS}) AS o, generate_series(1, $1::int, 30) AS n`,
      [perOrg],
    )
  ).rows.map((r) => ({ id: r.id, key: keyOf(r.o) }));
  // Standalone accounts that are NORMAL (numbers 14, 17, ... 29 of each block of 30)
  const toggles = (
    await owner.query<{ o: number; id: string; version: number }>(
      `SELECT o, a.id, a.version FROM (
         SELECT o, ${accountId('o', 'n')} AS id
         FROM generate_series(1, ${ORGS}) AS o, generate_series(1, $1::int) AS n
         WHERE n % 30 >= 14 AND n % 30 % 3 = 2) s
       JOIN "Account" a ON a.id = s.id AND a.status = 'NORMAL'
       ORDER BY random() LIMIT ${STATUS_ACCOUNTS}`,
      [perOrg],
    )
  ).rows.map((r) => ({
    id: r.id,
    key: keyOf(r.o),
    version: r.version,
    status: 'NORMAL' as const,
  }));
  const programs = (
    await owner.query<{ id: string }>(
      `SELECT ${programId('o')} AS id FROM generate_series(1, ${ORGS}) AS o ORDER BY o`,
    )
  ).rows.map((r) => r.id);

  const [api] = product.apiUrls as [string];
  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as {
      id: string;
      org?: { id: string };
      apiKey?: { token: string };
    };
    if (response.status !== 201)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
  const onboarding = [];
  for (let i = 1; i <= ONBOARDING_ORGS; i++) {
    const org = await call(product.operatorKey, 'POST', '/v1/orgs', {
      ...sampleOrg,
      legalName: `Load ${i} Pagamentos S.A.`,
    });
    onboarding.push({ orgId: org.org!.id, key: org.apiKey!.token });
  }
  const endpoints = [];
  for (let org = 1; org <= ORGS; org++) {
    const endpoint = await call(keyOf(org), 'POST', '/v1/webhook-endpoints', {
      url: receiverUrl,
      description: 'npm run load',
    });
    endpoints.push({ id: endpoint.id, key: keyOf(org) });
  }
  return { keys, reads, roots, toggles, programs, onboarding, endpoints };
}

/** A request of the mix as its step builds it */
interface Built {
  route: string;
  /** The status of its success; any other is an error */
  success: number;
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  key: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a connection remembers from one request of its cycle to the next (reset each cycle) */
interface Context {
  sent?: Built;
  toggled?: Toggled;
  key?: string;
  applicationId?: string;
}

interface Step {
  setup(context: Context): Built;
  after?(status: number, body: string, context: Context, headers: IncomingHttpHeaders): void;
}

/** Where the answer to the request autocannon is about to report came from */
interface Answered {
  route: string;
  status: number;
  body: string;
  success: boolean;
}

/**
 * The mix, as the cycle every connection repeats: of 20 requests, 14 reads (account 5, status
 * history 3, related overview 3, lists 3), 3 status changes, an application created and
 * submitted, and 1 onboarding or webhook endpoint read.
 */
function mix(
  fixtures: Fixtures,
  toggles: Toggled[],
  onAnswer: (answer: Answered) => void,
): autocannon.Request[] {
  const run = Date.now().toString(36);
  let counter = 0;
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const free = [...toggles];

  const request = (
    route: string,
    success: number,
    setup: (context: Context) => Omit<Built, 'route' | 'success'>,
    after?: Step['after'],
  ): Step => ({ setup: (context) => ({ ...setup(context), route, success }), after });

  const account = request('GET /v1/accounts/:id', 200, () => {
    const a = pick(fixtures.reads);
    return { method: 'GET', path: `/v1/accounts/${a.id}`, key: a.key };
  });
  const history = request('GET /v1/accounts/:id/status-history', 200, () => {
    const a = pick(fixtures.reads);
    return { method: 'GET', path: `/v1/accounts/${a.id}/status-history`, key: a.key };
  });
  const related = request('GET /v1/accounts/:id/related', 200, () => {
    const a = pick(fixtures.roots);
    return { method: 'GET', path: `/v1/accounts/${a.id}/related`, key: a.key };
  });
  const list = request('GET /v1/accounts', 200, () => {
    const a = pick(fixtures.reads);
    const filters = [
      '',
      '&status=BLOCKED',
      `&programId=${fixtures.programs[a.org - 1]}`,
      `&customerDocument=DOC-${1 + Math.floor(Math.random() * 1000)}`,
    ];
    return { method: 'GET', path: `/v1/accounts?limit=50${pick(filters)}`, key: a.key };
  });
  const statusChange = request(
    'PATCH /v1/accounts/:id/status',
    200,
    (context) => {
      // Each account is changed by one request at a time, at the version its last answer gave
      const a = free.shift();
      if (!a) throw new Error('more connections than accounts to change the status of');
      context.toggled = a;
      return {
        method: 'PATCH',
        path: `/v1/accounts/${a.id}/status`,
        key: a.key,
        headers: { 'If-Match': `"v${a.version}"` },
        body:
          a.status === 'NORMAL'
            ? { status: 'BLOCKED', description: 'npm run load' }
            : { status: 'NORMAL' },
      };
    },
    (status, _body, context, headers) => {
      const a = context.toggled!;
      if (status !== 200) return; // its version is unknown now: it leaves the rotation
      const etag = String(headers.etag ?? headers.ETag ?? '');
      a.version = Number(/"v(\d+)"/.exec(etag)?.[1]);
      a.status = a.status === 'NORMAL' ? 'BLOCKED' : 'NORMAL';
      free.push(a);
    },
  );
  const create = request(
    'POST /v1/account-applications',
    201,
    (context) => {
      const org = 1 + Math.floor(Math.random() * ORGS);
      const n = counter++;
      context.key = fixtures.keys[org - 1];
      return {
        method: 'POST',
        path: '/v1/account-applications',
        key: context.key!,
        headers: { 'Idempotency-Key': `load-${run}-create-${n}` },
        body: {
          programId: fixtures.programs[org - 1],
          applicant: { person: { name: `Applicant ${n}`, documentNumber: `LOAD-${run}-${n}` } },
        },
      };
    },
    (status, body, context) => {
      if (status === 201) context.applicationId = (JSON.parse(body) as { id: string }).id;
    },
  );
  const submit = request('POST /v1/account-applications/:id/submit', 200, (context) => ({
    method: 'POST',
    // An application whose creation failed is not there: a 404, counted as the error it follows
    path: `/v1/account-applications/${context.applicationId ?? '00000000-0000-4000-8000-000000000000'}/submit`,
    key: context.key ?? fixtures.keys[0]!,
    headers: { 'Idempotency-Key': `load-${run}-submit-${counter++}` },
  }));
  const others = [
    request('GET /v1/orgs/:id/onboarding', 200, () => {
      const o = pick(fixtures.onboarding);
      return { method: 'GET', path: `/v1/orgs/${o.orgId}/onboarding`, key: o.key };
    }),
    request('GET /v1/webhook-endpoints/:id/deliveries', 200, () => {
      const e = pick(fixtures.endpoints);
      return {
        method: 'GET',
        path: `/v1/webhook-endpoints/${e.id}/deliveries?limit=20`,
        key: e.key,
      };
    }),
    request('GET /v1/webhook-endpoints', 200, () => {
      const e = pick(fixtures.endpoints);
      return { method: 'GET', path: '/v1/webhook-endpoints', key: e.key };
    }),
  ];
  let nextOther = 0;
  const other: Step = { setup: (context) => others[nextOther++ % others.length]!.setup(context) };
  return [
    account,
    history,
    statusChange,
    related,
    account,
    list,
    create,
    account,
    history,
    statusChange,
    related,
    list,
    submit,
    account,
    other,
    history,
    related,
    statusChange,
    account,
    list,
  ].map((step) => ({
    setupRequest: (req, context) => {
      const built = step.setup(context);
      (context as Context).sent = built;
      return {
        ...req,
        method: built.method,
        path: built.path,
        headers: {
          ...req.headers,
          ...built.headers,
          authorization: `Bearer ${built.key}`,
          ...(built.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: built.body === undefined ? undefined : JSON.stringify(built.body),
      };
    },
    onResponse: (status, body, context, headers) => {
      const { sent } = context as Context;
      onAnswer({ route: sent!.route, status, body, success: status === sent!.success });
      step.after?.(status, body, context, headers ?? {});
    },
  }));
}

/** `rate` requests/s of the mix for `stageSeconds`, split evenly over the APIs. */
async function runStage(
  apiUrls: string[],
  fixtures: Fixtures,
  toggles: Toggled[],
  rate: number,
  options: Pick<LoadOptions, 'search' | 'connections'>,
  log: (line: string) => void,
): Promise<StageReport> {
  const seconds = options.search.stageSeconds;
  const routes = new Map<string, { latencies: number[]; statuses: Record<string, number> }>();
  const failures: string[] = [];
  let answered: Answered | undefined;
  let failed = 0;
  const requests = mix(fixtures, toggles, (answer) => {
    answered = answer;
    if (!answer.success) {
      failed += 1;
      if (failures.length < 10)
        failures.push(`${answer.route} ${answer.status}: ${answer.body.slice(0, 300)}`);
    }
  });
  const all: number[] = [];
  const results = await Promise.all(
    apiUrls.map(
      (url, i) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          // The rate and connections of one API: an even share, the remainder to the first ones
          const share = (total: number) =>
            Math.floor(total / apiUrls.length) + (i < total % apiUrls.length ? 1 : 0);
          const instance = autocannon(
            {
              url,
              connections: Math.max(1, share(options.connections)),
              overallRate: Math.max(1, share(rate)),
              duration: seconds,
              timeout: REQUEST_TIMEOUT_S,
              requests,
            },
            (error, result) => (error ? reject(error as Error) : resolve(result)),
          );
          instance.on('response', (_client, _status, _bytes, responseTime) => {
            if (!answered) return;
            const route = routes.get(answered.route) ?? { latencies: [], statuses: {} };
            routes.set(answered.route, route);
            route.latencies.push(responseTime);
            route.statuses[answered.status] = (route.statuses[answered.status] ?? 0) + 1;
            all.push(responseTime);
            answered = undefined;
          });
        }),
    ),
  );
  const socketErrors = results.reduce((sum, r) => sum + r.errors, 0);
  const requestsDone = all.length;
  const errors = failed + socketErrors;
  const overall = latencyPercentiles(all);
  const requestsPerSecond = Math.round((requestsDone / seconds) * 10) / 10;
  const report: StageReport = {
    targetRate: rate,
    seconds,
    requests: requestsDone,
    requestsPerSecond,
    p50Ms: round(overall.p50Ms),
    p99Ms: round(overall.p99Ms),
    errors,
    passed: errors === 0 && overall.p99Ms < P99_GOAL_MS && requestsPerSecond >= rate * RATE_MET,
    routes: Object.fromEntries(
      [...routes]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, route]) => {
          const p = latencyPercentiles(route.latencies);
          const ok = Object.entries(route.statuses)
            .filter(([status]) => Number(status) < 300)
            .reduce((sum, [, n]) => sum + n, 0);
          return [
            name,
            {
              requests: route.latencies.length,
              p50Ms: round(p.p50Ms),
              p99Ms: round(p.p99Ms),
              errors: route.latencies.length - ok,
              statuses: route.statuses,
            },
          ];
        }),
    ),
    failures,
  };
  if (socketErrors > 0) failures.push(`${socketErrors} socket errors or timeouts`);
  log(
    `${seconds} s at ${rate} requests/s: ${requestsPerSecond} answered/s, p50 ${report.p50Ms} ms, p99 ${report.p99Ms} ms, ${errors} errors${report.passed ? '' : ' (missed)'}`,
  );
  return report;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * PostgreSQL's connections (pg_stat_activity) every second and the task queue's backlog
 * (DescribeTaskQueue) every 5 s, while the run lasts: the highest and the last of each.
 */
function sample(owner: pg.Pool, connection: Connection, namespace: string, taskQueue: string) {
  const figures = {
    connections: { max: 0, end: 0 },
    backlog: { workflow: { max: 0, end: 0 }, activity: { max: 0, end: 0 } },
  };
  const connections = async () => {
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`,
    );
    figures.connections.end = rows[0]!.n;
    figures.connections.max = Math.max(figures.connections.max, rows[0]!.n);
  };
  const { TaskQueueType } = protos.temporal.api.enums.v1;
  const backlog = async () => {
    for (const [kind, type] of [
      ['workflow', TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
      ['activity', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
    ] as const) {
      const described = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: type,
        reportStats: true,
      });
      const n = Number(described.stats?.approximateBacklogCount ?? 0);
      figures.backlog[kind].end = n;
      figures.backlog[kind].max = Math.max(figures.backlog[kind].max, n);
    }
  };
  let pending: Promise<unknown> = Promise.all([connections(), backlog()]);
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    pending = pending.then(() =>
      Promise.all([connections(), tick % 5 === 0 ? backlog() : undefined]),
    );
  }, 1000);
  return {
    stop: () => clearInterval(timer),
    /** After stop: the figures, with one last reading */
    async last() {
      await pending;
      await Promise.all([connections(), backlog()]);
      return figures;
    },
  };
}

/**
 * Webhook write-to-delivery: from each event's time (the write that made it) to its arrival at
 * the receiver, for the events the data set's orgs wrote since `since`; waits for the last ones.
 */
async function deliveries(owner: pg.Pool, receiver: WebhookReceiver, since: number) {
  // Workflows the run started may still write events: counted again until all have arrived
  const written = async () =>
    (
      await owner.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "Event"
         WHERE "occurredAt" >= $1 AND "orgId" IN (SELECT ${orgId('o')} FROM generate_series(1, ${ORGS}) AS o)`,
        [new Date(since)],
      )
    ).rows[0]!.n;
  const delays = new Map<string, number>();
  let read = 0;
  const collect = () => {
    for (const webhook of receiver.accepted().slice(read)) {
      const at = Date.parse((JSON.parse(webhook.body) as { timestamp: string }).timestamp);
      if (at >= since && !delays.has(webhook.id)) delays.set(webhook.id, webhook.at - at);
      read += 1;
    }
  };
  const deadline = Date.now() + DELIVERY_DEADLINE_MS;
  let expected = await written();
  for (;;) {
    collect();
    if (delays.size >= expected) {
      expected = await written();
      collect();
      if (delays.size >= expected) break;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const p = latencyPercentiles([...delays.values()]);
  return { expected, delivered: delays.size, p50Ms: round(p.p50Ms), p99Ms: round(p.p99Ms) };
}

/** The report as tables, for a person. */
export function formatLoadReport(report: LoadReport): string {
  const { run } = report;
  return [
    `${report.accounts} accounts in ${report.orgs} orgs, ${report.apis} API(s) + ${report.workers} worker(s), Temporal: ${report.temporal}`,
    '',
    textTable(
      [
        'stage',
        'target/s',
        'answered/s',
        'p50 ms',
        'p99 ms',
        'errors',
        `p99 < ${P99_GOAL_MS} ms, 0 errors`,
      ],
      [...report.search, run].map((s, i) => [
        i < report.search.length
          ? `search ${i + 1} (${s.seconds} s)`
          : `sustained (${s.seconds} s)`,
        s.targetRate,
        s.requestsPerSecond,
        s.p50Ms,
        s.p99Ms,
        s.errors,
        s.passed ? 'met' : 'MISSED',
      ]),
    ),
    '',
    textTable(
      ['route (sustained run)', 'requests', 'p50 ms', 'p99 ms', 'errors'],
      Object.entries(run.routes).map(([name, r]) => [name, r.requests, r.p50Ms, r.p99Ms, r.errors]),
    ),
    '',
    textTable(
      ['process', 'RSS MB start', 'warm', 'end', 'CPU ms/request'],
      [
        ...report.processes.map((p) => [
          p.name,
          p.start.rssMb,
          p.warm.rssMb,
          p.end.rssMb,
          p.cpuMsPerRequest,
        ]),
        ['PostgreSQL', '', '', '', report.postgres.cpuMsPerRequest ?? 'n/a'],
      ],
    ),
    '',
    report.sustainedRequestsPerSecond === null
      ? `sustained: not met at ${run.targetRate} requests/s`
      : `sustained: ${report.sustainedRequestsPerSecond} requests/s`,
    `webhooks: ${report.webhooks.delivered} of ${report.webhooks.expected} delivered, write to delivery p50 ${report.webhooks.p50Ms} ms, p99 ${report.webhooks.p99Ms} ms`,
    `PostgreSQL connections: ${report.postgres.connections.max} at most, ${report.postgres.connections.end} at the end`,
    `task queue backlog: workflow ${report.taskQueueBacklog.workflow.max} at most (${report.taskQueueBacklog.workflow.end} at the end), activity ${report.taskQueueBacklog.activity.max} (${report.taskQueueBacklog.activity.end})`,
    `processes stopped cleanly: ${report.cleanStops} of ${report.apis + report.workers}`,
    ...(run.failures.length > 0 ? ['', 'failures:', ...run.failures.map((f) => `  ${f}`)] : []),
  ].join('\n');
}
