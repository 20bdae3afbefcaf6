import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../common/plain-dates.js';
import { scheduleIds } from '../../common/temporal-names.js';
import type { DataRetentionResult } from '../../workflows/data-retention.js';
import { startTestProduct, type TestProduct } from '../support/harness.js';
import { insertAccountRows, type AccountRows } from '../support/sql-fixtures.js';

// On the real servers: the daily retention run drops the daily balance partitions past their
// retention and keeps the others, deletes only the rows older than each table's retention, in
// batches, picks up where an interrupted run stopped, and finds nothing to do the second time.

const BATCH = 100;
const DAY_MS = 24 * 3600 * 1000;

let product: TestProduct;
let owner: pg.Client;
let ids: AccountRows;

beforeAll(async () => {
  product = await startTestProduct(
    { api: false, worker: true },
    {
      RETENTION_BATCH_SIZE: String(BATCH),
    },
  );
  owner = new pg.Client({ connectionString: product.database.url });
  await owner.connect();
  ids = await insertAccountRows(owner);
});
afterAll(async () => {
  await owner?.end();
  await product?.stop();
});

const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

async function count(table: string, where = 'true'): Promise<number> {
  const { rows } = await owner.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM "${table}" WHERE ${where}`,
  );
  return Number(rows[0]!.n);
}

async function partitions(): Promise<string[]> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = '"AccountDailyBalance"'::regclass ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

async function insertDailyBalance(accountId: string, date: string) {
  await owner.query(`SELECT "AccountDailyBalance_create_partitions"($1::date, $1::date)`, [date]);
  await owner.query(
    `INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
                                        balance, "creditLimit", "availableCreditLimit", "availableToSpend")
     VALUES ($1, $2, $3, $4, $5, 'BRL', 0, 0, 0, 0)`,
    [accountId, date, ids.org, ids.env, ids.program],
  );
}

/** `n` events of the org that occurred at `at`. */
async function insertEvents(n: number, at: string): Promise<string[]> {
  const { rows } = await owner.query<{ id: string }>(
    `INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", "occurredAt", payload)
     SELECT gen_random_uuid(), 'account.created', $1, $2, 'account', $3, $4, '{}'
     FROM generate_series(1, $5) RETURNING id`,
    [ids.org, ids.env, ids.account, at, n],
  );
  return rows.map((row) => row.id);
}

async function insertDeliveries(
  eventIds: string[],
  endpointId: string,
  at: string,
  status: string,
) {
  for (const eventId of eventIds) {
    const deliveryId = randomUUID();
    await owner.query(
      `INSERT INTO "WebhookDelivery" (id, "endpointId", "eventId", "subjectId", status, attempts, "nextAttemptAt", "giveUpAt", "createdAt")
       VALUES ($1, $2, $3, 'subject', $4, 1, $5, $5, $5)`,
      [deliveryId, endpointId, eventId, status, at],
    );
    await owner.query(
      `INSERT INTO "WebhookAttempt" (id, "deliveryId", number, "startedAt", "durationMs", "statusCode")
       VALUES ($1, $2, 1, $3, 10, 200)`,
      [randomUUID(), deliveryId, at],
    );
  }
}

async function runRetention(): Promise<DataRetentionResult> {
  return product.temporal.workflow.execute('dataRetention', {
    taskQueue: product.config.temporal.taskQueue,
    workflowId: `data-retention-test-${randomUUID()}`,
    args: [],
  });
}

describe('the data retention run', () => {
  it('is scheduled once a day by the worker', async () => {
    const schedule = await product.temporal.schedule
      .getHandle(scheduleIds.dataRetention())
      .describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dataRetention' });
    expect(schedule.spec.calendars).toHaveLength(1);
  });

  it('drops the daily balance partitions past the retention, deletes expired rows in batches, resumes, and does nothing the second time', async () => {
    const { retention } = product.config;
    // Daily balances: a month wholly past the retention, and a day inside it
    const expiredDay = addDays(today(), -(retention.dailyBalanceDays + 40));
    const keptDay = addDays(today(), -(retention.dailyBalanceDays - 20));
    await insertDailyBalance(ids.account, expiredDay);
    await insertDailyBalance(ids.account, keptDay);
    const expiredPartition = `AccountDailyBalance_p${expiredDay.slice(0, 7).replace('-', '_')}`;
    expect(await partitions()).toContain(expiredPartition);

    // The event log: 2.5 batches past the retention, a few inside it, and one past it that a
    // delivery still in flight references
    const eventDays = retention.keepMs.Event / DAY_MS;
    const oldEvents = await insertEvents(250, ago(eventDays + 10));
    const [referencedEvent] = await insertEvents(1, ago(eventDays + 10));
    await insertEvents(5, ago(eventDays - 10));
    const endpointId = randomUUID();
    await owner.query(
      `INSERT INTO "WebhookEndpoint" (id, "orgId", "environmentId", url, enabled, secret, "cursorTransactionId", "cursorSequence", "creationSnapshot", "deletedAt")
       VALUES ($1, $2, $3, 'https://example.com/hook', false, 'sealed', 0, 0, '', now())`,
      [endpointId, ids.org, ids.env],
    );
    // Deliveries: finished ones past their retention (with their attempts), one inside it, and
    // one past it still pending
    const deliveryDays = retention.keepMs.WebhookDelivery / DAY_MS;
    const [pendingEvent, recentEvent, ...finishedEvents] = await insertEvents(
      152,
      ago(deliveryDays + 5),
    );
    await insertDeliveries(finishedEvents, endpointId, ago(deliveryDays + 5), 'DELIVERED');
    await insertDeliveries([pendingEvent!], endpointId, ago(deliveryDays + 5), 'PENDING');
    await insertDeliveries([referencedEvent!], endpointId, ago(deliveryDays + 5), 'PENDING');
    await insertDeliveries([recentEvent!], endpointId, ago(deliveryDays - 5), 'FAILED');

    const notificationDays = retention.keepMs.Notification / DAY_MS;
    for (const [key, at] of [
      ['old-1', ago(notificationDays + 1)],
      ['old-2', ago(notificationDays + 30)],
      ['recent', ago(notificationDays - 1)],
    ] as const) {
      await owner.query(
        `INSERT INTO "Notification" (id, "orgId", kind, "dedupeKey", subject, body, "sentAt")
         VALUES ($1, $2, 'test', $3, 'subject', 'body', $4)`,
        [randomUUID(), ids.org, `${key}-${randomUUID()}`, at],
      );
    }

    const idempotencyHours = retention.keepMs.IdempotencyRecord / 3600_000;
    const oldRecord = new Date(Date.now() - (idempotencyHours + 1) * 3600_000).toISOString();
    await owner.query(
      `INSERT INTO "IdempotencyRecord" (scope, key, method, path, "requestHash", "createdAt", "completedAt", "leaseExpiresAt")
       SELECT 'test', 'old-' || n, 'POST', '/v1/accounts', repeat('a', 64), $1, $1, $1 FROM generate_series(1, 120) n`,
      [oldRecord],
    );
    await owner.query(
      `INSERT INTO "IdempotencyRecord" (scope, key, method, path, "requestHash", "createdAt", "leaseExpiresAt")
       VALUES ('test', 'under-way', 'POST', '/v1/accounts', repeat('a', 64), $1, now() + interval '1 hour'),
              ('test', 'recent', 'POST', '/v1/accounts', repeat('a', 64), now(), now())`,
      [oldRecord],
    );
    await owner.query(
      `INSERT INTO "EndedSession" (id, "expiresAt") VALUES ($1, now() - interval '1 hour'), ($2, now() + interval '1 hour')`,
      [randomUUID(), randomUUID()],
    );

    // An earlier run that stopped after its first batch: it committed exactly one batch
    const first = await product.parts.services.retention.deleteBatch('Event', new Date());
    expect(first.deleted).toBe(BATCH);
    expect(first.next).toBeDefined();
    expect(await count('Event', `id = ANY('{${oldEvents.join(',')}}'::uuid[])`)).toBe(250 - BATCH);

    const result = await runRetention();
    expect(result.partitionsDropped).toEqual([expiredPartition]);
    expect(result.deleted).toEqual({
      WebhookDelivery: 150,
      // The rest of the expired events, not the one a pending delivery references
      Event: 250 - BATCH,
      Notification: 2,
      IdempotencyRecord: 120,
      EndedSession: 1,
    });

    expect(await partitions()).not.toContain(expiredPartition);
    expect(await count('AccountDailyBalance')).toBe(1);
    expect(await count('AccountDailyBalance', `date = '${keptDay}'`)).toBe(1);
    expect(await count('Event', `id = ANY('{${oldEvents.join(',')}}'::uuid[])`)).toBe(0);
    expect(await count('Event', `id = '${referencedEvent}'`)).toBe(1);
    expect(await count('WebhookDelivery')).toBe(3);
    expect(await count('WebhookAttempt')).toBe(3);
    expect(await count('WebhookDelivery', `"eventId" = '${recentEvent}'`)).toBe(1);
    expect(await count('Notification')).toBe(1);
    expect(await owner.query(`SELECT key FROM "IdempotencyRecord" ORDER BY key`)).toMatchObject({
      rows: [{ key: 'recent' }, { key: 'under-way' }],
    });
    expect(await count('EndedSession')).toBe(1);

    // Partitions are kept ahead of today
    const ahead = addDays(today(), 31 * retention.dailyBalancePartitionsAheadMonths - 31);
    expect(await partitions()).toContain(
      `AccountDailyBalance_p${ahead.slice(0, 7).replace('-', '_')}`,
    );

    // The feed answers a cursor from before the deleted events as expired, and reads on from one
    // after them
    const { rows: trims } = await owner.query<{ transactionId: string; sequence: string }>(
      `SELECT "transactionId"::text AS "transactionId", sequence::text AS sequence FROM "EventLogTrim" WHERE "orgId" = $1`,
      [ids.org],
    );
    expect(trims).toHaveLength(1);
    const trim = {
      transactionId: BigInt(trims[0]!.transactionId),
      sequence: BigInt(trims[0]!.sequence),
    };
    const tenant = { orgId: ids.org, environmentId: ids.env };
    const events = product.parts.services.events;
    await expect(
      events.list(tenant, {}, { limit: 10, after: { ...trim, sequence: trim.sequence - 1n } }),
    ).rejects.toMatchObject({
      kind: 'VALIDATION',
      details: { errors: [{ field: 'after', rule: 'expired' }] },
    });
    const fromTrim = await events.list(tenant, {}, { limit: 10, after: trim });
    expect(fromTrim.rows.map((row) => row.id)).toContain(referencedEvent);
    expect((await events.list(tenant, {}, { limit: 500 })).rows).toHaveLength(1 + 5 + 152);

    const again = await runRetention();
    expect(again).toEqual({
      partitionsCreated: 0,
      partitionsDropped: [],
      deleted: {
        WebhookDelivery: 0,
        Event: 0,
        Notification: 0,
        IdempotencyRecord: 0,
        EndedSession: 0,
      },
    });
  });

  it('refuses, whoever calls, to remove what is inside the least retention', async () => {
    const product_ = new pg.Client({ connectionString: product.database.productUrl });
    await product_.connect();
    try {
      await expect(
        product_.query(`SELECT "AccountDailyBalance_drop_partitions"(current_date)`),
      ).rejects.toThrow(/at least 515 days ago/);
      await expect(
        product_.query(`SELECT * FROM "retention_delete_batch"('Event', now(), 0, 100)`),
      ).rejects.toThrow(/Event keeps at least/);
      await expect(
        product_.query(
          `SELECT * FROM "retention_delete_batch"('AccountTransaction', now() - interval '10 years', 0, 100)`,
        ),
      ).rejects.toThrow(/no retention for table AccountTransaction/);
      // The append-only guard stays for the product's role: it still may not delete the log
      await expect(product_.query(`DELETE FROM "Event"`)).rejects.toThrow(/permission denied/);
    } finally {
      await product_.end();
    }
  });
});

describe('the partitioned daily balances', () => {
  it("read one account's range from the one partition that holds it, by index", async () => {
    // 2,000 accounts with 60 days each, so the planner has a table worth an index
    const accounts = await owner.query<{ id: string }>(
      `INSERT INTO "Account" (id, "orgId", "environmentId", "programId", "updatedAt")
       SELECT gen_random_uuid(), $1, $2, $3, now() FROM generate_series(1, 2000) RETURNING id`,
      [ids.org, ids.env, ids.program],
    );
    const start = addDays(today(), -70);
    await owner.query(`SELECT "AccountDailyBalance_create_partitions"($1::date, current_date)`, [
      start,
    ]);
    await owner.query(
      `INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
                                          balance, "creditLimit", "availableCreditLimit", "availableToSpend")
       SELECT a.id, $1::date + d, $2, $3, $4, 'BRL', d, 0, 0, d
       FROM unnest($5::uuid[]) a(id) CROSS JOIN generate_series(0, 59) d`,
      [start, ids.org, ids.env, ids.program, accounts.rows.map((row) => row.id)],
    );
    await owner.query(`ANALYZE "AccountDailyBalance"`);

    // The route's query (services/daily-balances.ts): one account, a range inside one month
    const month = addDays(start, 35).slice(0, 7);
    const { rows } = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON)
       SELECT date, currency, "programId", balance, "creditLimit", "availableCreditLimit", "availableToSpend"
       FROM "AccountDailyBalance"
       WHERE "accountId" = $1 AND "environmentId" = $2 AND date >= $3::date AND date <= $4::date
       ORDER BY date LIMIT 100`,
      [accounts.rows[1000]!.id, ids.env, `${month}-01`, `${month}-20`],
    );
    const scans = scansOf(rows[0]!['QUERY PLAN'][0].Plan);
    expect(scans).toEqual([
      {
        relation: `AccountDailyBalance_p${month.replace('-', '_')}`,
        type: expect.stringMatching(/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/),
      },
    ]);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of the plan that reads a table: which, and how. */
function scansOf(node: PlanNode): { relation: string; type: string }[] {
  const own = node['Relation Name']
    ? [{ relation: node['Relation Name'], type: node['Node Type'] }]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}
