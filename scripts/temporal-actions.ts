import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import protos from '@temporalio/proto';
import { httpClient, jsonCaller, type JsonCall } from '../bench/http-client.js';
import { repoRoot } from '../bench/lifecycle.js';
import { machineDescription, median, textTable } from '../bench/measure.js';
import { postgresCpuMs, processCpuMs } from '../bench/process-cpu.js';
import { scheduleIds, workflowIds } from '../common/temporal-names.js';
import { createLogger } from '../runtime/logger.js';
import { workflowBundlePath } from '../runtime/workflow-bundle.js';
import { sampleOrg } from '../test/support/constants.js';
import { freePort } from '../test/support/free-port.js';
import { startEntryPoint, type RunningEntryPoint } from '../test/support/processes.js';
import { startSharedServers } from '../test/support/scale-out.js';
import { startReceiver } from '../test/support/webhook-receiver.js';

// `npm run temporal-actions [-- --quick] [-- --out FILE]`: one PostgreSQL and one Temporal dev
// server, the API (bin/api.ts) and the worker (bin/worker.ts) as processes of their own. Drives
// each long process of the product once through the HTTP API to its end (or, for a webhook
// endpoint's delivery, its steady state), then reads every run's history through the Temporal
// client and counts its events, bytes and the Actions Temporal Cloud bills for it
// (https://docs.temporal.io/cloud/actions). Then times the hot HTTP routes sequentially and reads
// the CPU the API process and PostgreSQL spent on them from /proc. Writes
// bench/temporal-actions.json.

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
const quick = values.quick === true;
const out = path.resolve(values.out ?? path.join(repoRoot, 'bench', 'temporal-actions.json'));
/** Requests per hot route, after the warm-up */
const REQUESTS = quick ? 5 : 500;
const WARMUP = quick ? 2 : 50;
/** The full run waits out one idle minute of a webhook endpoint's delivery: its steady state */
const WEBHOOK_IDLE_ROUNDS = quick ? 0 : 1;
/** The end of a temporary block, from when it is set */
const BLOCK_MS = 5_000;
const SETTLE_MS = 120_000;
const OPERATOR_KEY = 'temporal-actions-operator-key-0123456789abcdef';

const EventType = protos.temporal.api.enums.v1.EventType;
type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

/** One process of the product and the runs it is made of. */
interface ProcessRun {
  process: string;
  workflowIds: string[];
  /** How often it starts timers and activities in the months it waits, from its code and config */
  perMonth: string;
}

interface Counted {
  process: string;
  workflowTypes: string[];
  runs: number;
  events: number;
  eventsByType: Record<string, number>;
  historyBytes: number;
  actions: number;
  actionsByKind: Record<string, number>;
  timers: number;
  activities: number;
  /** Activity heartbeats reaching the server (billed, not in history): one per throttle interval run */
  heartbeatsEstimated: number;
  perMonth: string;
}

const ACTIONS_DOC =
  'https://docs.temporal.io/cloud/actions: 1 per workflow start (a child start is 2, in the parent; a schedule run 2 more), 1 per continue-as-new run, signal-with-start 1 in all, activity scheduled, activity retry (attempt - 1), timer started, signal, accepted update, search-attribute upsert (not TemporalChangeVersion alone), workflow task with local-activity markers; queries and heartbeats are billed but not in history (heartbeats estimated here, queries counted separately by the route that sends them)';

const logger = createLogger({ logLevel: 'warn' });
const dir = await mkdtemp(path.join(os.tmpdir(), 'cie-temporal-actions-'));
const started: RunningEntryPoint[] = [];
let servers: Awaited<ReturnType<typeof startSharedServers>> | undefined;
let connection: Connection | undefined;
let stopping: Promise<void> | undefined;
/** Stops what was started, once: at the end, or on Ctrl-C (the children have process groups of their own) */
const stopEverything = () =>
  (stopping ??= (async () => {
    await connection?.close();
    for (const p of started) await p.killGroup();
    await servers?.stop();
    await rm(dir, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopEverything().finally(() => process.exit(130)));
try {
  servers = await startSharedServers(dir, logger);
  const dataDir = path.join(dir, 'product');
  await workflowBundlePath(path.join(dataDir, 'workflow-bundles'), logger);
  const port = await freePort();
  const env = {
    // Outside production only: the webhook receiver is on loopback, over http
    NODE_ENV: 'test',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    DATABASE_URL: servers.productUrl,
    DATABASE_MIGRATION_URL: servers.ownerUrl,
    TEMPORAL_ADDRESS: servers.temporalAddress,
    TEMPORAL_TASK_QUEUE: 'temporal-actions',
    OPERATOR_API_KEY: OPERATOR_KEY,
    SERVER_SECRET: '7a'.repeat(32),
    SESSION_SECRET: '7b'.repeat(32),
  };
  const [api, worker] = await Promise.all([
    startEntryPoint('bin/api.ts', { ...env, PORT: String(port) }, 'API listening', SETTLE_MS),
    startEntryPoint('bin/worker.ts', { ...env, PORT: '0' }, 'worker running', SETTLE_MS),
  ]);
  started.push(api, worker);
  connection = await Connection.connect({ address: servers.temporalAddress });
  const temporal = new Client({ connection, namespace: 'default' });
  const http = httpClient(`http://127.0.0.1:${port}`);
  const call = jsonCaller(http);

  const { processes, org, cleanUp } = await driveProcesses(call, temporal);
  const counted: Counted[] = [];
  for (const p of processes) counted.push(await countProcess(temporal, p));
  await cleanUp();
  const routes = await measureRoutes(call, org, api.child.pid!, path.join(dir, 'postgres'));
  await http.close();

  const results = {
    machine: machineDescription(),
    measuredAt: new Date().toISOString(),
    quick,
    actionsCountedAs: ACTIONS_DOC,
    queriesNotInHistory:
      "billed per query, in no history: GET /v1/orgs/:id/onboarding queries each of the org's runs (5 with two networks), GET /v1/account-applications/:id and /v1/orgs/:id/workflows/:id/queries/:name one each; the hot routes below send none",
    processes: counted,
    http: {
      requestsPerRoute: REQUESTS,
      warmupPerRoute: WARMUP,
      cpu: 'the API process (bin/api.ts, no worker in it) and PostgreSQL (postmaster and backends, background processes included) from /proc, 10 ms ticks, over the timed requests; the worker runs beside it, idle',
      routes,
    },
  };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(processTable(counted));
  console.log(`\n${routeTable(routes)}`);
  console.log(`\ntemporal-actions: ${quick ? 'quick run, ' : ''}results in ${out}`);
} catch (error) {
  console.error('temporal-actions failed:', error);
  for (const p of started) console.error(p.output().slice(-3000));
  process.exitCode = 1;
} finally {
  await stopEverything();
}

interface Org {
  orgId: string;
  key: string;
  programId: string;
}

/** Drives every long process once; answers the runs each is made of. */
async function driveProcesses(
  call: JsonCall,
  temporal: Client,
): Promise<{ processes: ProcessRun[]; org: Org; cleanUp: () => Promise<void> }> {
  const created = await call<{ org: { id: string }; apiKey: { token: string } }>(
    'POST',
    '/v1/orgs',
    OPERATOR_KEY,
    sampleOrg,
    201,
  );
  const orgId = created.org.id;
  const key = created.apiKey.token;
  const networks = sampleOrg.networks;
  const environmentRuns = ['TEST', 'PRODUCTION'].map((e) =>
    workflowIds.environmentProvisioning(orgId, e),
  );
  const certificationRuns = networks.map((n) => workflowIds.networkCertification(orgId, n));

  // Onboarding: both environments come up on their own; then every human step, in order
  const onboardingEvent = (event: Record<string, string>) =>
    call('POST', `/v1/orgs/${orgId}/onboarding/events`, OPERATOR_KEY, event);
  await Promise.all(environmentRuns.map((id) => finished(temporal, id)));
  await until('every certification waits for its kickoff', async () => {
    const overview = await call<{ processes: { process: string; stage: string }[] }>(
      'GET',
      `/v1/orgs/${orgId}/onboarding`,
      OPERATOR_KEY,
    );
    return overview.processes
      .filter((p) => p.process === 'certification')
      .every((p) => p.stage === 'kickoff');
  });
  await onboardingEvent({ type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'ticket SD-1' });
  for (const network of networks)
    for (const type of ['KICKOFF_HELD', 'TEST_PLAN_AGREED', 'RESULTS_SUBMITTED', 'CERTIFIED'])
      await onboardingEvent({ type, network, notes: `${network} ${type.toLowerCase()}` });
  await onboardingEvent({ type: 'CONTROL_CENTER_ACCESS_GRANTED', notes: '3 users' });
  await temporal.workflow.getHandle(workflowIds.orgOnboarding(orgId)).result();

  const program = await call<{ id: string }>(
    'POST',
    '/v1/programs',
    key,
    { name: 'Actions', type: 'DEBIT', cardNetwork: 'VISA', currency: 'BRL' },
    201,
  );
  let customers = 0;
  const createAccount = async () =>
    (
      await call<{ id: string }>(
        'POST',
        '/v1/accounts',
        key,
        {
          programId: program.id,
          owner: { person: { name: 'Actions Customer', documentNumber: `ACT-${++customers}` } },
        },
        201,
      )
    ).id;

  // An application: a draft, one change, submitted, to its account
  const application = await call<{ id: string }>(
    'POST',
    '/v1/account-applications',
    key,
    { programId: program.id, applicant: { person: { name: 'Ana Lima', documentNumber: 'APP-1' } } },
    201,
  );
  await call('PATCH', `/v1/account-applications/${application.id}`, key, {
    applicant: {
      person: {
        name: 'Ana Lima',
        documentNumber: 'APP-1',
        contacts: [{ type: 'EMAIL', value: 'ana@example.com' }],
      },
    },
  });
  await call('POST', `/v1/account-applications/${application.id}/submit`, key);
  const applicationRun = workflowIds.accountApplication(application.id);
  await temporal.workflow.getHandle(applicationRun).result();

  // A block with an end: its timer runs out and the account is unblocked
  const blocked = await createAccount();
  const blockUntil = new Date(Date.now() + BLOCK_MS);
  await call('PATCH', `/v1/accounts/${blocked}/status`, key, {
    status: 'BLOCKED',
    until: blockUntil.toISOString(),
  });
  const blockRun = workflowIds.accountTemporaryBlock(blocked, blockUntil);
  await temporal.workflow.getHandle(blockRun).result();

  // A webhook endpoint: one event delivered to a local receiver, then (full run) a minute idle
  const receiver = await startReceiver();
  const endpoint = await call<{ id: string }>(
    'POST',
    '/v1/webhook-endpoints',
    key,
    { url: receiver.url, eventTypes: ['account.created'] },
    201,
  );
  await createAccount();
  await until('the webhook is delivered', () => Promise.resolve(receiver.accepted().length > 0));
  const deliveryRun = workflowIds.webhookEndpointDelivery(endpoint.id);
  await until('the webhook delivery waits idle', async () => {
    const idle = await idleWebhookRounds(temporal, deliveryRun);
    return idle !== undefined && idle >= WEBHOOK_IDLE_ROUNDS;
  });

  // The schedules' runs, started now instead of at their time of day
  const scheduledRun = async (scheduleId: string) => {
    const handle = temporal.schedule.getHandle(scheduleId);
    await handle.trigger();
    const action = await until(`${scheduleId} starts its run`, async () =>
      (await handle.describe()).info.recentActions.at(-1),
    );
    await temporal.workflow.getHandle(action.action.workflow.workflowId).result();
    return action.action.workflow.workflowId;
  };
  const snapshotRun = await scheduledRun(scheduleIds.dailyAccountSnapshot(orgId));
  const retentionRun = await scheduledRun(scheduleIds.dataRetention());

  const processes: ProcessRun[] = [
    {
      process: 'org onboarding (parent; children below)',
      workflowIds: [workflowIds.orgOnboarding(orgId)],
      perMonth: 'no timers: waits on operator updates and its children only',
    },
    ...environmentRuns.map((id, i) => ({
      process: `environment provisioning ${i === 0 ? 'test' : 'production'}`,
      workflowIds: [id],
      perMonth: 'no timers: runs its steps to the end, then waits on operator updates only',
    })),
    ...certificationRuns.map((id, i) => ({
      process: `network certification ${networks[i]} to certified`,
      workflowIds: [id],
      perMonth:
        'while waiting: 1 timer per reminder interval (CERTIFICATION_REMINDER_DAYS, 14) ~ 2.1 timers + 2.1 notification activities a month, 1 more timer each operator update; escalation once at the deadline (180 days)',
    })),
    {
      process: 'account application draft to approval',
      workflowIds: [applicationRun],
      perMonth:
        'a draft: 1 timer per change (expiry after APPLICATION_DRAFT_EXPIRY_DAYS, 30), so ~1 a month idle; none once submitted',
    },
    {
      process: 'temporary block ending',
      workflowIds: [blockRun],
      perMonth: '1 timer per block, whatever its length; a cancel or re-arm is a signal',
    },
    {
      process: 'webhook delivery (steady state, one endpoint)',
      workflowIds: [deliveryRun],
      perMonth:
        'idle: 1 waiting activity a minute (43,200 a month) with ~8 heartbeats each (heartbeat timeout 10 s, throttled to 8 s), no timers; +1 activity per delivery; 1 timer (30 s) per failed step; continues as new when suggested',
    },
    {
      process: 'daily snapshot/report run (one org, one day)',
      workflowIds: [snapshotRun],
      perMonth: 'a schedule run a day per org: ~30 runs a month, no timers',
    },
    {
      process: 'data retention run (one day)',
      workflowIds: [retentionRun],
      perMonth: 'a schedule run a day for the product: ~30 runs a month, no timers',
    },
  ];
  return {
    processes,
    org: { orgId, key, programId: program.id },
    async cleanUp() {
      // The endpoint's delivery ends, so nothing but the measured requests runs after this
      await call('DELETE', `/v1/webhook-endpoints/${endpoint.id}`, key, undefined, 204);
      await temporal.workflow.getHandle(deliveryRun).result();
      await receiver.close();
    },
  };
}

/** Every run of the process's workflows (continue-as-new included), counted. */
async function countProcess(temporal: Client, p: ProcessRun): Promise<Counted> {
  const counted: Counted = {
    process: p.process,
    workflowTypes: [],
    runs: 0,
    events: 0,
    eventsByType: {},
    historyBytes: 0,
    actions: 0,
    actionsByKind: {},
    timers: 0,
    activities: 0,
    heartbeatsEstimated: 0,
    perMonth: p.perMonth,
  };
  const bill = (kind: string, n = 1) => {
    counted.actions += n;
    counted.actionsByKind[kind] = (counted.actionsByKind[kind] ?? 0) + n;
  };
  for (const workflowId of p.workflowIds) {
    for await (const run of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      if (!counted.workflowTypes.includes(run.type)) counted.workflowTypes.push(run.type);
      const history = await temporal.workflow.getHandle(workflowId, run.runId).fetchHistory();
      counted.runs++;
      counted.historyBytes +=
        protos.temporal.api.history.v1.History.encode(history).finish().length;
      const events = history.events ?? [];
      counted.events += events.length;
      billEvents(events, counted, bill);
    }
  }
  return counted;
}

function billEvents(
  events: HistoryEvent[],
  counted: Counted,
  bill: (kind: string, n?: number) => void,
): void {
  const ms = (t: HistoryEvent['eventTime']) =>
    Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  const scheduled = new Map<string, { heartbeatMs: number }>();
  const startedAt = new Map<string, number>();
  let localActivityTask = false;
  for (const event of events) {
    const type = EventType[event.eventType ?? 0] ?? String(event.eventType);
    counted.eventsByType[type] = (counted.eventsByType[type] ?? 0) + 1;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = event.workflowExecutionStartedEventAttributes!;
        // A child's start is billed in its parent's history
        if (!a.parentWorkflowExecution) bill('workflow started');
        if (a.searchAttributes?.indexedFields?.TemporalScheduledById) bill('schedule run', 2);
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        bill('child workflow started', 2);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        counted.activities++;
        bill('activity');
        const timeout = event.activityTaskScheduledEventAttributes!.heartbeatTimeout;
        scheduled.set(String(event.eventId), {
          heartbeatMs: Number(timeout?.seconds ?? 0) * 1000 + (timeout?.nanos ?? 0) / 1e6,
        });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = event.activityTaskStartedEventAttributes!;
        if ((a.attempt ?? 1) > 1) bill('activity retry', a.attempt! - 1);
        startedAt.set(String(a.scheduledEventId), ms(event.eventTime));
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attributes =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const id = String(attributes?.scheduledEventId);
        const heartbeatMs = scheduled.get(id)?.heartbeatMs ?? 0;
        const from = startedAt.get(id);
        // The SDK sends at most one heartbeat per 80% of the heartbeat timeout
        if (heartbeatMs > 0 && from !== undefined)
          counted.heartbeatsEstimated += Math.ceil(
            (ms(event.eventTime) - from) / (0.8 * heartbeatMs),
          );
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED:
        counted.timers++;
        bill('timer');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // Right after the start, it is a signal-with-start: one Action with the start
        if (Number(event.eventId) !== 2) bill('signal');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        bill('update');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ??
            {},
        );
        if (fields.some((f) => f !== 'TemporalChangeVersion')) bill('search attributes upserted');
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        // Patch markers are not billed; local activities once per workflow task
        if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
          localActivityTask = true;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        if (localActivityTask) bill('local activities');
        localActivityTask = false;
        break;
      default:
    }
  }
  if (localActivityTask) bill('local activities');
  counted.actions += counted.heartbeatsEstimated;
  counted.actionsByKind['activity heartbeat (estimated)'] = counted.heartbeatsEstimated;
}

interface RouteCost {
  route: string;
  requests: number;
  p50Ms: number;
  apiCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
}

/** The hot routes, each `REQUESTS` times one after the other after a warm-up. */
async function measureRoutes(
  call: JsonCall,
  org: Org,
  apiPid: number,
  postgresDataDir: string,
): Promise<RouteCost[]> {
  const { key, programId } = org;
  let owners = 0;
  const newAccount = async (idempotencyKey?: string) =>
    (
      await call<{ id: string }>(
        'POST',
        '/v1/accounts',
        key,
        {
          programId,
          owner: { person: { name: 'Route Customer', documentNumber: `RT-${++owners}` } },
        },
        201,
        idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {},
      )
    ).id;
  const account = await newAccount();
  const parent = await newAccount();
  for (let i = 0; i < 3; i++)
    await call('PUT', `/v1/accounts/${await newAccount()}/parent`, key, {
      parentAccountId: parent,
    });
  const firstPage = await call<{ next: string | null }>('GET', '/v1/events?limit=50', key);

  const routes: { route: string; run: (i: number) => Promise<unknown> }[] = [
    { route: 'GET /v1/accounts/:id', run: () => call('GET', `/v1/accounts/${account}`, key) },
    { route: 'GET /v1/accounts?limit=50', run: () => call('GET', '/v1/accounts?limit=50', key) },
    {
      route: 'GET /v1/accounts/:id/related',
      run: () => call('GET', `/v1/accounts/${parent}/related`, key),
    },
    {
      route: 'PATCH /v1/accounts/:id/status',
      run: (i) =>
        call('PATCH', `/v1/accounts/${account}/status`, key, {
          status: i % 2 === 0 ? 'BLOCKED' : 'NORMAL',
        }),
    },
    { route: 'POST /v1/accounts with Idempotency-Key', run: () => newAccount(randomUUID()) },
    // What the key's record costs: the same create without one
    { route: 'POST /v1/accounts without a key', run: () => newAccount() },
    {
      route: 'GET /v1/events?limit=50 (a page)',
      run: () =>
        call(
          'GET',
          `/v1/events?limit=50${firstPage.next ? `&after=${encodeURIComponent(firstPage.next)}` : ''}`,
          key,
        ),
    },
  ];
  const costs: RouteCost[] = [];
  for (const { route, run } of routes) {
    for (let i = 0; i < WARMUP; i++) await run(i);
    const latencies: number[] = [];
    const [api0, pg0] = [await processCpuMs(apiPid), await postgresCpuMs(postgresDataDir)];
    for (let i = WARMUP; i < WARMUP + REQUESTS; i++) {
      const t = performance.now();
      await run(i);
      latencies.push(performance.now() - t);
    }
    const [api1, pg1] = [await processCpuMs(apiPid), await postgresCpuMs(postgresDataDir)];
    costs.push({
      route,
      requests: REQUESTS,
      p50Ms: median(latencies),
      apiCpuMsPerRequest: (api1 - api0) / REQUESTS,
      postgresCpuMsPerRequest: (pg1 - pg0) / REQUESTS,
    });
  }
  return costs;
}

/**
 * How many waits for work a webhook endpoint's run has finished since its first delivery
 * attempt; undefined before that attempt has finished.
 */
async function idleWebhookRounds(
  temporal: Client,
  workflowId: string,
): Promise<number | undefined> {
  const events = (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const activityOf = new Map<string, string>();
  let delivered = false;
  let rounds = 0;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) continue;
    const name = activityOf.get(String(completed.scheduledEventId));
    if (name === 'attemptWebhookDelivery') delivered = true;
    else if (delivered && name === 'nextWebhookWork') rounds++;
  }
  return delivered ? rounds : undefined;
}

/** Awaits the end of run `workflowId`, which its parent may not have started yet. */
async function finished(temporal: Client, workflowId: string): Promise<void> {
  const handle = temporal.workflow.getHandle(workflowId);
  await until(`${workflowId} starts`, () =>
    handle.describe().then(
      () => true,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      },
    ),
  );
  await handle.result();
}

/** Polls `check` until it answers something truthy; fails after SETTLE_MS. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${SETTLE_MS} ms`);
    await sleep(100);
  }
}

function processTable(counted: Counted[]): string {
  return textTable(
    ['process', 'workflow type(s)', 'events', 'actions', 'history bytes', 'timers', 'activities'],
    counted.map((c) => [
      c.process,
      c.workflowTypes.join(', '),
      String(c.events),
      String(c.actions),
      String(c.historyBytes),
      String(c.timers),
      String(c.activities),
    ]),
    { alignRight: true },
  );
}

function routeTable(routes: RouteCost[]): string {
  return textTable(
    ['route', 'requests', 'p50 ms', 'API CPU ms/req', 'PostgreSQL CPU ms/req'],
    routes.map((r) => [
      r.route,
      String(r.requests),
      r.p50Ms.toFixed(2),
      r.apiCpuMsPerRequest.toFixed(2),
      r.postgresCpuMsPerRequest.toFixed(2),
    ]),
    { alignRight: true },
  );
}
