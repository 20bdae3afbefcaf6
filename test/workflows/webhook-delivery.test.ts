import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { workflowIds } from '../../common/temporal-names.js';
import {
  SENDING_FIRST_RETRY_MS,
  SENDING_HEARTBEAT_TIMEOUT_MS,
} from '../../workflows/webhook-endpoint-delivery.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  OPERATOR_KEY,
  PRODUCT_STEP_MS,
  SERVER_SECRET,
  SESSION_SECRET,
  createOrgWithKey,
  whileWriteOpenElsewhere,
  eventually,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { copyWorkflowBundle, startEntryPoint } from '../support/processes.js';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// Webhooks delivered by the real worker to real HTTP receivers on localhost: signed so the
// standardwebhooks package's own verifier accepts them, retried until the receiver takes them,
// each event accepted once and a subject's events in order, nothing lost when the worker dies
// mid-delivery, nothing sent to a disabled endpoint or across environments, and the same events
// the feed shows.

/** Seconds-scale backoff and disabling, so days of retrying fit in a test. */
const FAST_WEBHOOKS = {
  WEBHOOK_RETRY_BASE_SECONDS: '0.05',
  WEBHOOK_RETRY_MAX_SECONDS: '0.2',
  WEBHOOK_POLL_MS: '50',
  // 3.6 s of nothing but failures disables an endpoint
  WEBHOOK_DISABLE_AFTER_HOURS: '0.001',
  // A worker makes sure every endpoint's process runs once a second
  WEBHOOK_SWEEP_SECONDS: '1',
  // A transaction holding the event log back for a second is reported
  EVENT_LOG_STALL_REPORT_SECONDS: '1',
};

/** A worker process's start: loading the code and connecting (the workflow bundle is given) */
const WORKER_START_MS = 120_000;
/** How long Temporal keeps a workflow's next task for the worker that ran it last (SDK default) */
const STICKY_QUEUE_TIMEOUT_MS = 10_000;
/**
 * After a worker dies mid-attempt, until every delivery is recorded: the attempt is made again
 * once its heartbeat timeout and first retry have passed; the workflow goes on once the dead
 * worker's sticky queue has timed out; planning and sending the rest are two steps of its own.
 */
const REDELIVERED_WITHIN_MS =
  SENDING_HEARTBEAT_TIMEOUT_MS +
  SENDING_FIRST_RETRY_MS +
  STICKY_QUEUE_TIMEOUT_MS +
  2 * PRODUCT_STEP_MS;

let product: TestProduct;
let key: string;
let orgId: string;
let programId: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  product = await startTestProduct(undefined, FAST_WEBHOOKS);
  ({ key, orgId } = await createOrgWithKey(product.http, 'Webhook Bank', ['VISA']));
  const program = await product.http('POST', '/v1/programs', {
    key,
    json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
  });
  expect(program.status).toBe(201);
  programId = program.body.id;
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await product?.stop();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<WebhookReceiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

async function endpoint(
  url: string,
  options: { eventTypes?: string[]; apiKey?: string } = {},
): Promise<{ id: string; secret: string }> {
  const created = await product.http('POST', '/v1/webhook-endpoints', {
    key: options.apiKey ?? key,
    json: { url, ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}) },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id, secret: created.body.secret };
}

async function openAccount(apiKey = key, program = programId): Promise<string> {
  const account = await product.http('POST', '/v1/accounts', {
    key: apiKey,
    json: {
      programId: program,
      owner: {
        person: { name: 'Maria Silva', documentNumber: `WH-${randomBytes(5).toString('hex')}` },
      },
    },
  });
  expect(account.status).toBe(201);
  return account.body.id;
}

async function setStatus(accountId: string, status: string): Promise<void> {
  const changed = await product.http('PATCH', `/v1/accounts/${accountId}/status`, {
    key,
    json: { status },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);
}

const dataOf = (message: { body: string }) =>
  (JSON.parse(message.body) as { data: { id: string; type: string; subject: { id: string } } })
    .data;

/** The messages `r` accepted about `subjectId`, once `count` have arrived. */
const acceptedAbout = (r: WebhookReceiver, subjectId: string, count: number) =>
  eventually(() => {
    const about = r.accepted().filter((m) => dataOf(m).subject.id === subjectId);
    return Promise.resolve(about.length >= count ? about : undefined);
  });

type RecordedDelivery = {
  status: string;
  attempts: { statusCode: number; manual: boolean; responseExcerpt: string; durationMs: number }[];
};

/**
 * The endpoint's deliveries once `recorded` holds: an attempt is recorded after the receiver has
 * answered, so what a receiver saw can be ahead of what the product has written down.
 */
const deliveriesOnceRecorded = (
  endpointId: string,
  query: string,
  recorded: (items: RecordedDelivery[]) => boolean,
) =>
  eventually(async () => {
    const page = await product.http(
      'GET',
      `/v1/webhook-endpoints/${endpointId}/deliveries?${query}`,
      {
        key,
      },
    );
    const items = page.body.items as RecordedDelivery[];
    return recorded(items) ? items : undefined;
  });

describe('webhook delivery', () => {
  it('signs every delivery so the standardwebhooks verifier accepts it, with the feed’s own event', async () => {
    const r = await receiver();
    const { secret } = await endpoint(r.url);
    const accountId = await openAccount();
    await setStatus(accountId, 'BLOCKED');
    const messages = await acceptedAbout(r, accountId, 2);
    const verifier = new Webhook(secret);
    for (const message of messages) {
      const verified = verifier.verify(message.body, message.headers) as {
        type: string;
        data: { id: string };
      };
      expect(verified.data.id).toBe(message.id);
    }
    // A forged body fails the same verifier
    const blocked = messages[1]!;
    expect(blocked.body).toContain('"to":"BLOCKED"');
    expect(() =>
      verifier.verify(blocked.body.replace('"to":"BLOCKED"', '"to":"NORMAL"'), blocked.headers),
    ).toThrow();
    // The feed and the webhooks tell the same events, field for field
    const feed = await product.http('GET', `/v1/events?subjectId=${accountId}`, { key });
    expect(messages.map((m) => dataOf(m))).toEqual(feed.body.items);
    expect(messages.map((m) => JSON.parse(m.body).type)).toEqual([
      'account.created',
      'account.status_changed',
    ]);
  });

  it('retries a failing receiver until it takes each event, once each and in order per subject', async () => {
    const FAILURES = 3;
    const r = await receiver(({ seenBefore }) => (seenBefore < FAILURES ? 503 : 204));
    const { id: endpointId } = await endpoint(r.url, {
      eventTypes: ['account.created', 'account.status_changed'],
    });
    const accounts = await Promise.all([openAccount(), openAccount()]);
    for (const accountId of accounts) {
      await setStatus(accountId, 'BLOCKED');
      await setStatus(accountId, 'NORMAL');
      await setStatus(accountId, 'CANCELLED');
    }
    for (const accountId of accounts) {
      const messages = await acceptedAbout(r, accountId, 4);
      expect(messages).toHaveLength(4);
      expect(new Set(messages.map((m) => m.id)).size).toBe(4);
      // In the account's order: created, then each status change by the version it produced
      expect(messages.map((m) => JSON.parse(m.body).data.payload.accountVersion ?? 1)).toEqual([
        1, 2, 3, 4,
      ]);
      // Every message was tried FAILURES times before it was taken
      for (const message of messages)
        expect(r.received.filter((m) => m.id === message.id)).toHaveLength(FAILURES + 1);
    }
    const deliveries = await deliveriesOnceRecorded(endpointId, 'limit=200', (items) =>
      items.every((d) => d.status !== 'PENDING'),
    );
    expect(deliveries).toHaveLength(8);
    for (const delivery of deliveries) {
      expect(delivery.status).toBe('DELIVERED');
      expect(delivery.attempts.map((a) => a.statusCode)).toEqual([503, 503, 503, 204]);
      expect(delivery.attempts[0]!.responseExcerpt).toBe('answered 503');
      expect(delivery.attempts.every((a) => a.durationMs >= 0)).toBe(true);
    }
  });

  it('sends a subject’s events in the order they were written where the log’s order differs', async () => {
    const r = await receiver();
    const { id } = await endpoint(r.url, { eventTypes: ['account.status_changed'] });
    const { environmentId } = await product.prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id },
    });
    const subjectId = randomUUID();
    const connect = async () => {
      const client = new pg.Client({ connectionString: product.database.url });
      await client.connect();
      return client;
    };
    const [early, open, late] = [await connect(), await connect(), await connect()];
    const write = (client: pg.Client, label: string) =>
      client.query(
        `INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", payload)
         VALUES ($1, 'account.status_changed', $2, $3, 'account', $4, $5::jsonb)`,
        [randomUUID(), orgId, environmentId, subjectId, JSON.stringify({ label })],
      );
    const labels = (messages: { body: string }) =>
      (JSON.parse(messages.body) as { data: { payload: { label: string } } }).data.payload.label;
    try {
      // The transaction that writes second takes its id first ...
      await early.query('BEGIN');
      await early.query('SELECT pg_current_xact_id()');
      // ... one that stays open puts the log's fence between the two ...
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      // ... and the first event commits from a transaction whose id is later
      await late.query('BEGIN');
      await write(late, 'first');
      await late.query('COMMIT');
      await write(early, 'second');
      await early.query('COMMIT');
      // Only "second" is below the fence: it must not go out ahead of "first"
      const sent = await acceptedAbout(r, subjectId, 1);
      expect(labels(sent[0]!)).toBe('first');
      await open.query('COMMIT');
      const both = await acceptedAbout(r, subjectId, 2);
      expect(both.map(labels)).toEqual(['first', 'second']);
      expect(r.received.filter((m) => dataOf(m).subject.id === subjectId)).toHaveLength(2);
    } finally {
      await Promise.all([early, open, late].map((client) => client.end()));
    }
  });

  it('delivers while a transaction is left open in another database of the same server', async () => {
    const r = await receiver();
    await endpoint(r.url, { eventTypes: ['account.created'] });
    await whileWriteOpenElsewhere(async () => {
      const accountId = await openAccount();
      await acceptedAbout(r, accountId, 1);
    });
  });

  it('reports a transaction held open in its database past the bound, and loses nothing once it ends', async () => {
    const r = await receiver();
    const { id } = await endpoint(r.url, { eventTypes: ['account.created'] });
    const { environmentId } = await product.prisma.webhookEndpoint.findUniqueOrThrow({
      where: { id },
    });
    // An operator's session, as the owner: PostgreSQL does not show the product when it began
    const held = new pg.Client({ connectionString: product.database.url });
    await held.connect();
    try {
      await held.query('BEGIN');
      const heldSubject = randomUUID();
      await held.query(
        `INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", payload)
         VALUES ($1, 'account.created', $2, $3, 'account', $4, '{}'::jsonb)`,
        [randomUUID(), orgId, environmentId, heldSubject],
      );
      const { pid } = (await held.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0]!;
      const written = await openAccount();
      const stalled = await eventually(async () => {
        const answer = await product.http('GET', '/readyz');
        return answer.body.checks.eventLog.status === 'stalled' ? answer : undefined;
      });
      // A detail: the API stays in rotation
      expect(stalled.status).toBe(200);
      expect(stalled.body.checks.eventLog).toMatchObject({
        pid,
        role: new URL(product.database.url).username,
        heldForSeconds: expect.any(Number),
      });
      const metrics = await product.http('GET', '/metrics');
      expect(metrics.body).toMatch(/^event_log_stalled 1$/m);
      expect(metrics.body).toMatch(/^event_log_held_back_seconds [1-9]/m);
      // Nothing went past the held transaction meanwhile
      expect(r.received.filter((m) => dataOf(m).subject.id === written)).toEqual([]);
      await held.query('COMMIT');
      await acceptedAbout(r, written, 1);
      await acceptedAbout(r, heldSubject, 1);
      await eventually(async () => {
        const answer = await product.http('GET', '/readyz');
        return answer.body.checks.eventLog.status === 'flowing' ? true : undefined;
      });
      expect((await product.http('GET', '/metrics')).body).toMatch(/^event_log_stalled 0$/m);
    } finally {
      await held.end();
    }
  });

  it('sends an endpoint none of the events committed before it was made, while an older transaction is open', async () => {
    const r = await receiver();
    const older = new pg.Client({ connectionString: product.database.productUrl });
    await older.connect();
    let endpointId: string;
    try {
      // Holds the log's fence below the event committed next
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await openAccount();
      ({ id: endpointId } = await endpoint(r.url, { eventTypes: ['account.created'] }));
    } finally {
      await older.end();
    }
    const written = await openAccount();
    await acceptedAbout(r, written, 1);
    // Planned in the log's order: the earlier event would have been planned by now
    const deliveries = await product.http(
      'GET',
      `/v1/webhook-endpoints/${endpointId}/deliveries?limit=200`,
      { key },
    );
    expect(deliveries.body.items.map((d: { subjectId: string }) => d.subjectId)).toEqual([written]);
  });

  it('delivers nothing to a disabled endpoint, and what was written meanwhile once enabled again', async () => {
    const disabled = await receiver();
    const witness = await receiver();
    const { id } = await endpoint(disabled.url);
    await endpoint(witness.url);
    const off = await product.http('PATCH', `/v1/webhook-endpoints/${id}`, {
      key,
      json: { enabled: false },
    });
    expect(off.body).toMatchObject({ enabled: false, disabledReason: 'issuer' });
    const accountId = await openAccount();
    // The other endpoint got it, so it was planned and sent; the disabled one got nothing
    await acceptedAbout(witness, accountId, 1);
    expect(disabled.received).toEqual([]);
    const on = await product.http('PATCH', `/v1/webhook-endpoints/${id}`, {
      key,
      json: { enabled: true },
      headers: { 'if-match': off.headers.get('etag')! },
    });
    expect(on.status).toBe(200);
    await acceptedAbout(disabled, accountId, 1);
  });

  it('disables an endpoint that fails for the stated period, and the issuer enables it again', async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 500));
    const { id } = await endpoint(r.url, { eventTypes: ['account.created'] });
    const accountId = await openAccount();
    const disabled = await eventually(async () => {
      const current = await product.http('GET', `/v1/webhook-endpoints/${id}`, { key });
      return current.body.enabled === false ? current.body : undefined;
    });
    expect(disabled).toMatchObject({ disabledReason: 'failing' });
    expect(disabled.failingSince).not.toBeNull();
    // Nothing more is tried while it is disabled
    const triedWhileFailing = r.received.length;
    const later = await openAccount();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // room for a wrong attempt
    expect(r.received).toHaveLength(triedWhileFailing);
    healthy = true;
    const enabled = await product.http('PATCH', `/v1/webhook-endpoints/${id}`, {
      key,
      json: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await acceptedAbout(r, accountId, 1);
    await acceptedAbout(r, later, 1);
  });

  it('sends an event again by hand, with the same webhook-id, recorded as manual', async () => {
    const r = await receiver();
    const { id } = await endpoint(r.url);
    const accountId = await openAccount();
    const [first] = await acceptedAbout(r, accountId, 1);
    const again = await product.http('POST', `/v1/webhook-endpoints/${id}/redeliveries`, {
      key,
      json: { eventId: first!.id },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const twice = await acceptedAbout(r, accountId, 2);
    expect(twice.map((m) => m.id)).toEqual([first!.id, first!.id]);
    const [delivery] = await deliveriesOnceRecorded(
      id,
      `eventId=${first!.id}`,
      ([d]) => d!.attempts.length === 2,
    );
    expect(delivery!.attempts.map((a) => a.manual)).toEqual([false, true]);
  });

  it('starts the delivery process again when its run is gone, without anyone asking', async () => {
    const r = await receiver();
    const { id } = await endpoint(r.url);
    const handle = product.temporal.workflow.getHandle(workflowIds.webhookEndpointDelivery(id));
    const { runId: lost } = await handle.describe();
    // As if the whole product had died between the endpoint's commit and its run's start, or an
    // operator had terminated the run in the Web UI
    await handle.terminate('lost');
    const restarted = await eventually(async () => {
      const run = await handle.describe();
      return run.status.name === 'RUNNING' && run.runId !== lost ? run : undefined;
    });
    expect(restarted.memo).toMatchObject({ orgId: expect.any(String) });
    const accountId = await openAccount();
    await acceptedAbout(r, accountId, 1);
  });

  it('keeps signing with the old secret beside the new one after a rotation', async () => {
    const r = await receiver();
    const { id, secret: old } = await endpoint(r.url);
    const rotated = await product.http('POST', `/v1/webhook-endpoints/${id}/secret/rotate`, {
      key,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(old);
    const accountId = await openAccount();
    const [message] = await acceptedAbout(r, accountId, 1);
    expect(() => new Webhook(old).verify(message!.body, message!.headers)).not.toThrow();
    expect(() =>
      new Webhook(rotated.body.secret as string).verify(message!.body, message!.headers),
    ).not.toThrow();
  });
});

// The API's start, two workers' and the redelivery
const timeout = 3 * WORKER_START_MS + REDELIVERED_WITHIN_MS;
describe('webhook delivery when the worker dies', { timeout }, () => {
  it('loses nothing: the attempt in flight is made again by the next worker', async () => {
    const api = await startTestProduct({ api: true, worker: false }, FAST_WEBHOOKS);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cie-webhook-worker-'));
    await copyWorkflowBundle(dataDir, inject('workflowBundlePath'));
    const workerEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      DATABASE_URL: api.database.productUrl,
      DATABASE_MIGRATION_URL: api.database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: api.config.temporal.taskQueue,
      OPERATOR_API_KEY: OPERATOR_KEY,
      SERVER_SECRET,
      SESSION_SECRET,
      ...FAST_WEBHOOKS,
    };
    const startWorker = () =>
      startEntryPoint('bin/worker.ts', workerEnv, 'worker running', WORKER_START_MS);
    let worker = await startWorker();
    let first = true;
    let arrived: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const r = await receiver(() => {
      if (!first) return 200;
      first = false;
      arrived();
      return 'hold';
    });
    try {
      const { key: apiKey } = await createOrgWithKey(api.http, 'Worker Death Bank', ['VISA']);
      const program = await api.http('POST', '/v1/programs', {
        key: apiKey,
        json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
      });
      const created = await api.http('POST', '/v1/webhook-endpoints', {
        key: apiKey,
        // The accounts' events alone: the org's onboarding writes events of its own meanwhile,
        // later the busier the machine, and those are not what this counts
        json: { url: r.url, eventTypes: ['account.created'] },
      });
      expect(created.status).toBe(201);
      const accountIds: string[] = [];
      for (let i = 0; i < 3; i++) {
        const account = await api.http('POST', '/v1/accounts', {
          key: apiKey,
          json: {
            programId: program.body.id,
            owner: { person: { name: 'Ana Lima', documentNumber: `WD-${i}-${Date.now()}` } },
          },
        });
        accountIds.push(account.body.id);
      }
      await inFlight;
      await worker.killGroup();
      // What the dead worker sent (read once its last bytes are in); an answer it got but did
      // not record can be sent again
      await r.idle();
      const sentByDeadWorker = new Set(r.received.map((m) => m.id));
      worker = await startWorker();
      let recorded: unknown;
      await eventually(async () => {
        const page = await api.http('GET', `/v1/webhook-endpoints/${created.body.id}/deliveries`, {
          key: apiKey,
        });
        const items = page.body.items as { status: string }[];
        recorded = items;
        return items.length === accountIds.length && items.every((d) => d.status === 'DELIVERED')
          ? items
          : undefined;
      }, REDELIVERED_WITHIN_MS).catch(async (error: unknown) => {
        // Where it stuck: what was recorded, what the run waits on, what the new worker said
        const run = await api.temporal.workflow
          .getHandle(workflowIds.webhookEndpointDelivery(created.body.id))
          .describe();
        throw new Error(
          `${(error as Error).message}; deliveries ${JSON.stringify(recorded)}; ` +
            `pending activities ${JSON.stringify(run.raw.pendingActivities)}; ` +
            `the new worker printed:\n${worker.output().slice(-3000)}`,
        );
      });
      const accepted = r.accepted();
      expect(new Set(accepted.map((m) => dataOf(m).subject.id))).toEqual(new Set(accountIds));
      // The held message came again (same webhook-id) and was taken once
      const heldId = r.received[0]!.id;
      expect(accepted.filter((m) => m.id === heldId)).toHaveLength(1);
      // Only a message the dead worker had sent is ever taken twice, and never more
      for (const id of new Set(accepted.map((m) => m.id))) {
        const times = accepted.filter((m) => m.id === id).length;
        if (times > 1) expect(sentByDeadWorker.has(id)).toBe(true);
        expect(times).toBeLessThanOrEqual(2);
      }
    } finally {
      await worker.killGroup();
      await api.stop();
    }
  });
});
