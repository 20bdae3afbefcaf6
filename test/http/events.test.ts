import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type EventType } from '../../common/events.js';
import { workflowIds } from '../../common/temporal-names.js';
import { eventSchema } from '../../server/routes/events.js';
import { eventView } from '../../services/events.js';
import type { accountApplication } from '../../workflows/account-application.js';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  whileWriteOpenElsewhere,
  eventually,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// The event log as integrators read it: every change listed writes exactly one event, in the
// change's own transaction, however it is retried or raced; the feed pages through them in order
// and shows a key its own environment's events and its org's, nobody else's.

let product: TestProduct;
let key: string;
let orgId: string;
let otherKey: string;
let programId: string;

interface FeedEvent {
  id: string;
  sequence: string;
  type: string;
  version: number;
  orgId: string;
  environmentId: string | null;
  subject: { type: string; id: string };
  occurredAt: string;
  payload: Record<string, any>;
}

beforeAll(async () => {
  product = await startTestProduct();
  ({ orgId, key } = await createOrgWithKey(product.http, 'Events Bank', ['VISA']));
  otherKey = (await createOrgWithKey(product.http, 'Other Events Bank', ['VISA'])).key;
  const program = await product.http('POST', '/v1/programs', {
    key,
    json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
  });
  expect(program.status).toBe(201);
  programId = program.body.id;
});
afterAll(async () => {
  await product?.stop();
});

/** Every event the feed shows `k` now, page by page, and where it ended. */
/**
 * The environment's own events: the org's onboarding still adds org-level ones (no environment)
 * while the tests run.
 */
const mine = (events: FeedEvent[]) => events.filter((e) => e.environmentId !== null);

async function read(
  k: string,
  query = '',
  limit = 200,
  from?: string,
): Promise<{ events: FeedEvent[]; next: string }> {
  const events: FeedEvent[] = [];
  let after = from;
  for (;;) {
    const page: HttpResponse = await product.http(
      'GET',
      `/v1/events?limit=${limit}${query}${after ? `&after=${after}` : ''}`,
      { key: k },
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    events.push(...(page.body.items as FeedEvent[]));
    after = page.body.next as string;
    if (!page.body.more) return { events, next: after };
  }
}

const feed = async (k: string, query = '', limit = 200) => (await read(k, query, limit)).events;

/**
 * The feed once it shows at least `count` events: an event appears once every transaction older
 * than its own in the product's database has ended, so a moment after its change.
 */
const feedOf = (k: string, query: string, count: number) =>
  eventually(async () => {
    const events = await feed(k, query);
    return events.length >= count ? events : undefined;
  });

const count = async (type: string, subjectId: string, atLeast = 1) =>
  (await feedOf(key, `&type=${type}&subjectId=${subjectId}`, atLeast)).length;

const openAccount = (idempotencyKey?: string) =>
  product.http('POST', '/v1/accounts', {
    key,
    json: {
      programId,
      owner: {
        person: { name: 'Maria Silva', documentNumber: `DOC-${randomBytes(5).toString('hex')}` },
      },
    },
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });
const setStatus = (accountId: string, json: object) =>
  product.http('PATCH', `/v1/accounts/${accountId}/status`, { key, json });

describe('the event log', () => {
  it('records an account opening once, however often the request is retried', async () => {
    const idempotencyKey = `open-${randomBytes(4).toString('hex')}`;
    const body = {
      programId,
      owner: { person: { name: 'Ana Lima', documentNumber: 'EVT-0001' } },
    };
    const open = () =>
      product.http('POST', '/v1/accounts', {
        key,
        json: body,
        headers: { 'idempotency-key': idempotencyKey },
      });
    const first = await open();
    expect(first.status).toBe(201);
    const again = await open();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const accountId: string = first.body.id;
    const events = await feedOf(key, `&subjectId=${accountId}`, 1);
    expect(events.map((e) => e.type)).toEqual(['account.created']);
    expect(events[0]).toMatchObject({
      version: 1,
      orgId,
      subject: { type: 'account', id: accountId },
      payload: { accountId, programId, applicationId: null },
    });
  });

  it('records each status change and rollback once, with its reason, and nothing for a refusal', async () => {
    const accountId: string = (await openAccount()).body.id;
    const reasons = await product.http('GET', '/v1/account-status-reasons', { key });
    const fraud = (reasons.body.items as { id: string; code: string }[]).find(
      (r) => r.code === 'FRAUD_SUSPECTED',
    );
    const blocked = await setStatus(accountId, {
      status: 'BLOCKED',
      ...(fraud ? { reasonId: fraud.id } : {}),
    });
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(200);
    const rollback = () =>
      product.http('POST', `/v1/accounts/${accountId}/status/rollback`, { key, json: {} });
    // Refused (a rollback of an account that is not CANCELLED, a stale If-Match): no event
    expectProblem(await rollback(), 409);
    expectProblem(
      await product.http('PATCH', `/v1/accounts/${accountId}/status`, {
        key,
        json: { status: 'NORMAL' },
        headers: { 'if-match': '"v1"' },
      }),
      412,
    );
    expect((await setStatus(accountId, { status: 'CANCELLED' })).status).toBe(200);
    expect((await rollback()).status).toBe(200);

    const events = await feedOf(key, `&subjectId=${accountId}`, 4);
    expect(events.map((e) => e.type)).toEqual([
      'account.created',
      'account.status_changed',
      'account.status_changed',
      'account.status_rolled_back',
    ]);
    expect(events[1]!.payload).toMatchObject({
      from: 'NORMAL',
      to: 'BLOCKED',
      accountVersion: 2,
      ...(fraud ? { reason: { id: fraud.id, code: fraud.code } } : {}),
    });
    expect(events[3]!.payload).toMatchObject({ from: 'CANCELLED', to: 'BLOCKED' });
    // The log and the audit agree: one event per status change written
    const audit = await product.prisma.accountStatusChange.count({ where: { accountId } });
    expect(events.length - 1).toBe(audit);
    const ids = new Set(events.map((e) => e.id));
    expect(ids.size).toBe(events.length);
  });

  it('writes exactly one event per applied change when changes race', async () => {
    const accountId: string = (await openAccount()).body.id;
    const racers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        setStatus(accountId, { status: i % 2 === 0 ? 'BLOCKED' : 'NORMAL' }),
      ),
    );
    for (const r of racers) if (r.status !== 200) expect([409, 412]).toContain(r.status);
    const applied = await product.prisma.accountStatusChange.count({ where: { accountId } });
    const account = await product.http('GET', `/v1/accounts/${accountId}`, { key });
    expect(account.body.version).toBe(applied + 1);
    const events = await feedOf(
      key,
      `&type=account.status_changed&subjectId=${accountId}`,
      applied,
    );
    expect(events).toHaveLength(applied);
    expect(events.map((e) => e.payload.accountVersion)).toEqual(
      Array.from({ length: applied }, (_, i) => i + 2),
    );
  });

  it('records an application submitted then approved, and another submitted then rejected', async () => {
    const create = (json: object) =>
      product.http('POST', '/v1/account-applications', { key, json });
    const finished = (id: string) =>
      product.temporal.workflow
        .getHandle<typeof accountApplication>(workflowIds.accountApplication(id))
        .result();
    const approved = await create({
      programId,
      applicant: { person: { name: 'Rui Costa', documentNumber: 'EVT-APP-1' } },
    });
    expect(approved.status).toBe(201);
    const submit = (id: string, idempotencyKey: string) =>
      product.http('POST', `/v1/account-applications/${id}/submit`, {
        key,
        headers: { 'idempotency-key': idempotencyKey },
      });
    expect((await submit(approved.body.id, 'submit-1')).status).toBe(200);
    // A retried submit replays the first answer and records nothing more
    expect((await submit(approved.body.id, 'submit-1')).status).toBe(200);
    const approvedResult = await finished(approved.body.id);
    expect(approvedResult.status).toBe('ACCOUNT_CREATED');

    const rejected = await create({
      programId: '00000000-0000-4000-8000-000000000000',
      applicant: { person: { name: 'Rita Costa', documentNumber: 'EVT-APP-2' } },
    });
    expect(rejected.status).toBe(201);
    expect((await submit(rejected.body.id, 'submit-2')).status).toBe(200);
    expect((await finished(rejected.body.id)).status).toBe('REJECTED');

    const approvedEvents = await feedOf(key, `&subjectId=${approved.body.id}`, 2);
    expect(approvedEvents.map((e) => e.type)).toEqual([
      'application.submitted',
      'application.approved',
    ]);
    expect(approvedEvents[1]!.payload).toEqual({
      applicationId: approved.body.id,
      accountId: approvedResult.accountId,
    });
    expect(await count('account.created', approvedResult.accountId!)).toBe(1);
    const rejectedEvents = await feedOf(key, `&subjectId=${rejected.body.id}`, 2);
    expect(rejectedEvents.map((e) => e.type)).toEqual([
      'application.submitted',
      'application.rejected',
    ]);
    expect(rejectedEvents[1]!.payload.reasons.length).toBeGreaterThan(0);

    // A draft cancelled: its event once the run has ended
    const cancelled = await create({
      applicant: { person: { name: 'Rosa Costa', documentNumber: 'EVT-APP-3' } },
    });
    expect(cancelled.status).toBe(201);
    const cancel = await product.http(
      'POST',
      `/v1/account-applications/${cancelled.body.id}/cancel`,
      { key },
    );
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect((await finished(cancelled.body.id)).status).toBe('CANCELLED');
    const cancelledEvents = await feedOf(key, `&subjectId=${cancelled.body.id}`, 1);
    expect(cancelledEvents.map((e) => [e.type, e.subject, e.payload])).toEqual([
      [
        'application.cancelled',
        { type: 'application', id: cancelled.body.id },
        { applicationId: cancelled.body.id },
      ],
    ]);
  });

  it('pages through the feed two at a time without gaps or duplicates, in the same order', async () => {
    const all = await feed(key);
    expect(mine(all).length).toBeGreaterThan(6);
    const paged = await feed(key, '', 2);
    expect(mine(paged).map((e) => e.id)).toEqual(mine(all).map((e) => e.id));
    expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length);
    // Filters keep the cursor's order too
    const typed = await feed(key, '&type=account.created', 2);
    expect(typed.map((e) => e.id)).toEqual(
      all.filter((e) => e.type === 'account.created').map((e) => e.id),
    );
  });

  it('gives a poller at the end of the log a cursor that resumes where it stopped', async () => {
    // Polling for accounts alone: the org's onboarding may still add events of its own
    const accounts = '&type=account.created';
    const { events: seen, next: head } = await read(key, accounts);
    const empty = await product.http('GET', `/v1/events?after=${head}${accounts}`, { key });
    expect(empty.body).toMatchObject({ items: [], next: head, more: false });
    const accountId: string = (await openAccount()).body.id;
    const resumed = await eventually(async () => {
      const { events } = await read(key, accounts, 200, head);
      return events.length > 0 ? events : undefined;
    });
    expect(resumed.map((e) => [e.type, e.subject.id])).toEqual([['account.created', accountId]]);
    expect(seen.map((e) => e.id)).not.toContain(resumed[0]!.id);
  });

  it('never lets a cursor pass an event whose transaction commits after a later one', async () => {
    // Accounts alone: the org's onboarding may still add events of its own
    const accounts = '&type=account.created';
    const { next: head } = await read(key, accounts);
    const environmentId = (
      await product.prisma.apiKey.findFirstOrThrow({ where: { orgId, revokedAt: null } })
    ).environmentId;
    // A change that began first and commits last (held open here) ...
    const slow = await product.prisma.$transaction(
      async (tx) => {
        const id = randomUUID();
        const payload = { accountId: id, programId, applicationId: null, parentAccountId: null };
        await tx.$executeRaw`
          INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", payload)
          VALUES (${id}::uuid, 'account.created', ${orgId}::uuid, ${environmentId}::uuid, 'account', ${id}, ${JSON.stringify(payload)}::jsonb)`;
        // ... while another change commits behind it, with a higher sequence number
        const fast: string = (await openAccount()).body.id;
        const meanwhile = await read(key, accounts, 200, head);
        expect(meanwhile.events.map((e) => e.subject.id)).not.toContain(fast);
        return { id, fast };
      },
      { timeout: 30_000 },
    );
    const after = await eventually(async () => {
      const { events } = await read(key, accounts, 200, head);
      return events.length >= 2 ? events : undefined;
    });
    expect(after.map((e) => e.subject.id)).toEqual([slow.id, slow.fast]);
  });

  it('is not held back by a transaction left open in another database of the same server', async () => {
    const accounts = '&type=account.created';
    const { next: head } = await read(key, accounts);
    await whileWriteOpenElsewhere(async () => {
      const accountId: string = (await openAccount()).body.id;
      const shown = await eventually(async () => {
        const { events } = await read(key, accounts, 200, head);
        return events.length > 0 ? events : undefined;
      });
      expect(shown.map((e) => e.subject.id)).toEqual([accountId]);
    });
  });

  it("shows another org's key none of them", async () => {
    const mine = new Set((await feed(key)).map((e) => e.id));
    const theirs = await feed(otherKey);
    expect(theirs.filter((e) => mine.has(e.id))).toEqual([]);
    expect(theirs.every((e) => e.orgId !== orgId)).toBe(true);
  });

  it('refuses hostile query input with 400', async () => {
    const bad = (query: string) => product.http('GET', `/v1/events?${query}`, { key });
    expectProblem(await bad('subjectId=a%00b'), 400, 'control_character');
    expectProblem(await bad('after=not-a-cursor'), 400, 'invalid_cursor');
    expectProblem(
      await bad(`after=${Buffer.from('{"l":"accounts","s":"1"}').toString('base64url')}`),
      400,
      'invalid_cursor',
    );
    expectProblem(await bad('limit=banana'), 400);
    expectProblem(await bad('limit=0'), 400);
    expectProblem(await bad('type=account.exploded'), 400);
    expectProblem(await bad('orgId=x'), 400, 'unknown_field');
    expect((await product.http('GET', '/v1/events')).status).toBe(401);
  });
});

describe('the events of every other change a user makes through the API', () => {
  /** The events of `subjectId` once there are `atLeast`, of `type` if given. */
  const eventsOf = (subjectId: string, atLeast: number, type?: string) =>
    feedOf(key, `${type ? `&type=${type}` : ''}&subjectId=${subjectId}`, atLeast);

  it('records a cash-in and a cash-out once each, also when a request is retried with its Idempotency-Key', async () => {
    const accountId: string = (await openAccount()).body.id;
    const move = (json: object, idempotencyKey: string) =>
      product.http('POST', `/v1/accounts/${accountId}/transactions`, {
        key,
        json,
        headers: { 'idempotency-key': idempotencyKey },
      });
    const cashIn = { type: 'CASH_IN', amount: 15000, currency: 'BRL' };
    const inKey = `cash-in-${randomBytes(4).toString('hex')}`;
    const first = await move(cashIn, inKey);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await move(cashIn, inKey);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const out = await move({ type: 'CASH_OUT', amount: 4000, currency: 'BRL' }, `out-${inKey}`);
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    // Refused (more than the balance): no event
    expectProblem(
      await move({ type: 'CASH_OUT', amount: 999999, currency: 'BRL' }, `no-${inKey}`),
      422,
    );

    const events = await eventsOf(accountId, 2, 'account.transaction_posted');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      type: 'account.transaction_posted',
      environmentId: expect.any(String),
      subject: { type: 'account', id: accountId },
      payload: {
        accountId,
        transactionId: first.body.transaction.id,
        type: 'CASH_IN',
        amount: 15000,
        currency: 'BRL',
        balanceAfter: 15000,
        accountVersion: 2,
      },
    });
    expect(events[1]!.payload).toEqual({
      accountId,
      transactionId: out.body.transaction.id,
      type: 'CASH_OUT',
      amount: 4000,
      currency: 'BRL',
      balanceAfter: 11000,
      accountVersion: 3,
    });
    // The log holds exactly one per ledger row: the retry wrote none
    const written = await product.prisma.event.count({
      where: { type: 'account.transaction_posted', subjectId: accountId },
    });
    expect(written).toBe(await product.prisma.accountTransaction.count({ where: { accountId } }));
  });

  it('records linking and unlinking a parent, and nothing for a link already as asked', async () => {
    const parentId: string = (await openAccount()).body.id;
    const childId: string = (await openAccount()).body.id;
    const link = () =>
      product.http('PUT', `/v1/accounts/${childId}/parent`, {
        key,
        json: { parentAccountId: parentId },
      });
    const unlink = () => product.http('DELETE', `/v1/accounts/${childId}/parent`, { key });
    expect((await link()).status).toBe(200);
    expect((await link()).status).toBe(200);
    const unlinked = await unlink();
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.version).toBe(3);
    expect((await unlink()).status).toBe(200);

    const events = await eventsOf(childId, 3);
    expect(events.map((e) => e.type)).toEqual([
      'account.created',
      'account.parent_linked',
      'account.parent_unlinked',
    ]);
    expect(events[1]).toMatchObject({
      subject: { type: 'account', id: childId },
      payload: {
        accountId: childId,
        parentAccountId: parentId,
        previousParentAccountId: null,
        accountVersion: 2,
      },
    });
    expect(events[2]!.payload).toEqual({
      accountId: childId,
      previousParentAccountId: parentId,
      accountVersion: 3,
    });
  });

  it('records an additional customer joining an account', async () => {
    const accountId: string = (await openAccount()).body.id;
    const added = await product.http('POST', `/v1/accounts/${accountId}/customers`, {
      key,
      json: { customer: { person: { name: 'João Souza', documentNumber: 'EVT-ADD-1' } } },
      headers: { 'idempotency-key': `add-${accountId}` },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const [event] = await eventsOf(accountId, 1, 'account.customer_added');
    expect(event).toMatchObject({
      subject: { type: 'account', id: accountId },
      payload: { accountId, customerId: added.body.customer.id, role: 'ADDITIONAL' },
    });
  });

  it('records a program created and changed, and nothing for a change to what already is', async () => {
    const created = await product.http('POST', '/v1/programs', {
      key,
      json: {
        name: 'Events Credit',
        type: 'CREDIT',
        cardNetwork: 'VISA',
        currency: 'BRL',
        dueDays: [10, 20],
        defaultCreditLimit: 500000,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id: string = created.body.id;
    const change = (json: object) => product.http('PATCH', `/v1/programs/${id}`, { key, json });
    const changed = await change({ name: 'Events Platinum', dueDays: [5, 10, 20] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await change({ name: 'Events Platinum' })).status).toBe(200);

    const events = await eventsOf(id, 2);
    expect(events.map((e) => e.type)).toEqual(['program.created', 'program.changed']);
    expect(events[0]).toMatchObject({
      subject: { type: 'program', id },
      payload: {
        programId: id,
        type: 'CREDIT',
        name: 'Events Credit',
        dueDays: [10, 20],
        defaultCreditLimit: 500000,
        programVersion: 1,
      },
    });
    expect(events[1]!.payload).toEqual({
      programId: id,
      before: { name: 'Events Credit', dueDays: [10, 20] },
      after: { name: 'Events Platinum', dueDays: [5, 10, 20] },
      programVersion: 2,
    });
  });

  it('records a status reason created and a settings change', async () => {
    const reason = await product.http('POST', '/v1/account-status-reasons', {
      key,
      json: { code: 'EVENTS_COURT', description: 'Blocked by court order', appliesTo: ['BLOCKED'] },
    });
    expect(reason.status, JSON.stringify(reason.body)).toBe(201);
    const [created] = await eventsOf(reason.body.id, 1, 'status_reason.created');
    expect(created).toMatchObject({
      subject: { type: 'status_reason', id: reason.body.id },
      payload: {
        reasonId: reason.body.id,
        code: 'EVENTS_COURT',
        description: 'Blocked by court order',
        appliesTo: ['BLOCKED'],
      },
    });

    const before = (await product.http('GET', '/v1/settings', { key })).body;
    const patch = () =>
      product.http('PATCH', '/v1/settings', {
        key,
        json: { statusReasonRequiredFor: ['CANCELLED'] },
      });
    expect((await patch()).status).toBe(200);
    expect((await patch()).status).toBe(200);
    const environmentId: string = created!.environmentId!;
    const [settingsChanged, ...more] = await eventsOf(
      environmentId,
      1,
      'environment.settings_changed',
    );
    expect(more).toEqual([]);
    expect(settingsChanged).toMatchObject({
      subject: { type: 'environment', id: environmentId },
      payload: {
        environmentId,
        before: { statusReasonRequiredFor: before.statusReasonRequiredFor },
        after: { statusReasonRequiredFor: ['CANCELLED'] },
      },
    });
    await product.http('PATCH', '/v1/settings', { key, json: before });
  });

  it("records an API key issued, rotated and revoked, never its secret, and the org's time zone moving", async () => {
    const issued = await product.http('POST', `/v1/orgs/${orgId}/api-keys`, {
      key: OPERATOR_KEY,
      json: { environment: 'TEST', name: 'events' },
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const apiKeyId: string = issued.body.id;
    const rotated = await product.http('POST', `/v1/api-keys/${apiKeyId}/rotate`, {
      key: OPERATOR_KEY,
    });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    const successor: string = rotated.body.apiKey.id;
    expect((await product.http('POST', `/v1/api-keys/${successor}/revoke`, { key })).status).toBe(
      200,
    );
    expect((await product.http('POST', `/v1/api-keys/${successor}/revoke`, { key })).status).toBe(
      200,
    );

    const events = await eventsOf(apiKeyId, 2);
    expect(events.map((e) => e.type)).toEqual(['api_key.created', 'api_key.rotated']);
    expect(events[0]!.payload).toEqual({
      apiKeyId,
      environmentId: issued.body.environmentId,
      name: 'events',
      prefix: expect.any(String),
    });
    expect(events[1]!.payload).toMatchObject({ apiKeyId, replacedById: successor });
    const revoked = await eventsOf(successor, 1);
    expect(revoked.map((e) => e.type)).toEqual(['api_key.revoked']);
    expect(revoked[0]!.subject).toEqual({ type: 'api_key', id: successor });
    const secrets = [issued.body.token as string, rotated.body.apiKey.token as string];
    for (const event of [...events, ...revoked])
      for (const secret of secrets) expect(JSON.stringify(event)).not.toContain(secret);

    const move = (timeZone: string) =>
      product.http('PATCH', `/v1/orgs/${orgId}`, { key: OPERATOR_KEY, json: { timeZone } });
    const from = (await product.http('GET', `/v1/orgs/${orgId}`, { key: OPERATOR_KEY })).body
      .timeZone as string;
    expect((await move('America/Manaus')).status).toBe(200);
    expect((await move('America/Manaus')).status).toBe(200);
    const [moved, ...again] = await eventsOf(orgId, 1, 'org.time_zone_changed');
    expect(again).toEqual([]);
    expect(moved).toMatchObject({
      environmentId: null,
      subject: { type: 'org', id: orgId },
      payload: { orgId, from, to: 'America/Manaus' },
    });
  });
});

describe('the event log of an org onboarded to live', () => {
  it('records environments, certification milestones, onboarding steps and going live', async () => {
    const onboarding = onboardingClient(product.http);
    const created = await product.http('POST', '/v1/orgs', {
      key: OPERATOR_KEY,
      json: { ...sampleOrg, legalName: 'Live Events Bank', networks: ['VISA', 'MASTERCARD'] },
    });
    expect(created.status).toBe(201);
    const liveOrgId: string = created.body.org.id;
    const testKey: string = created.body.apiKey.token;
    await onboarding.waitForEnvironments(liveOrgId);
    await onboarding.send(liveOrgId, { type: 'SERVICE_DESK_ACCESS_GRANTED', notes: 'SD-1' });
    await onboarding.certify(liveOrgId, 'VISA');
    await onboarding.send(liveOrgId, { type: 'CANCEL', network: 'MASTERCARD', notes: 'later' });
    await onboarding.send(liveOrgId, { type: 'CONTROL_CENTER_ACCESS_GRANTED', notes: '3 users' });

    const events = await eventually(async () => {
      const all = await feed(testKey);
      return all.some((e) => e.type === 'org.live') &&
        all.some((e) => e.type === 'org.onboarding_step' && e.payload.event === 'ORG_ACTIVATED')
        ? all
        : undefined;
    });
    const types = (type: string) => events.filter((e) => e.type === type);
    expect(events.every((e) => e.orgId === liveOrgId && e.environmentId === null)).toBe(true);
    expect(
      types('environment.ready')
        .map((e) => e.payload.kind)
        .sort(),
    ).toEqual(['PRODUCTION', 'TEST']);
    expect(types('environment.failed')).toEqual([]);
    expect(types('org.live')).toHaveLength(1);
    expect(
      types('certification.milestone_reached')
        .filter((e) => e.payload.network === 'VISA')
        .map((e) => e.payload.event),
    ).toEqual(['KICKOFF_HELD', 'TEST_PLAN_AGREED', 'RESULTS_SUBMITTED']);
    expect(types('certification.certified').map((e) => e.payload.network)).toEqual(['VISA']);
    expect(types('certification.cancelled').map((e) => e.payload.network)).toEqual(['MASTERCARD']);
    // One event per step of the onboarding's own history, in its order
    const overview = await onboarding.get(liveOrgId);
    expect(types('org.onboarding_step').map((e) => e.payload.event)).toEqual(
      overview.history.map((step) => step.event),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // The production key sees the org-level events too, and none of the test environment's
    const production = await eventually(async () => {
      const issued = await product.http('POST', `/v1/orgs/${liveOrgId}/api-keys`, {
        key: OPERATOR_KEY,
        json: { environment: 'PRODUCTION', name: 'backend' },
      });
      return issued.status === 201 ? (issued.body.token as string) : undefined;
    });
    const program = await product.http('POST', '/v1/programs', {
      key: testKey,
      json: { name: 'Gold', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
    });
    const account = await product.http('POST', '/v1/accounts', {
      key: testKey,
      json: {
        programId: program.body.id,
        owner: { person: { name: 'Test Only', documentNumber: 'EVT-TEST-1' } },
      },
    });
    expect(account.status).toBe(201);
    const testEvents = await feedOf(testKey, `&subjectId=${account.body.id}`, 1);
    expect(testEvents.map((e) => e.type)).toEqual(['account.created']);
    const productionEvents = await feed(production);
    expect(productionEvents.some((e) => e.subject.id === account.body.id)).toBe(false);
    // Of production's own, only the issue of its key
    expect(productionEvents.filter((e) => e.environmentId !== null).map((e) => e.type)).toEqual([
      'api_key.created',
    ]);
    expect(productionEvents.some((e) => e.type === 'org.live')).toBe(true);
  });
});

// Last in this file, after its broad scenario (accounts and their money, parents, customers,
// programs, reasons, settings, keys, applications, an org onboarded to live with certifications):
// every event its database holds parses with its type's schema, as the feed and webhooks show it.
// Writing checks each payload already (services/events.ts); this also checks the rest of the item.
describe('every recorded event', () => {
  it("fits its type's published schema", async () => {
    const rows = await product.prisma.event.findMany({ orderBy: { sequence: 'asc' } });
    const seen = new Set(rows.map((row) => row.type));
    expect(rows.length).toBeGreaterThan(30);
    const misfits = rows.flatMap((row) => {
      const view = eventView(row);
      const payload = eventCatalog[row.type as EventType]?.payload.safeParse(row.payload);
      const item = eventSchema.safeParse(view);
      return payload?.success && item.success
        ? []
        : [
            {
              type: row.type,
              payload: row.payload,
              error: (payload?.error ?? item.error)?.message,
            },
          ];
    });
    expect(misfits).toEqual([]);
    // The scenario reached the types every change a user makes writes
    const userChanges: EventType[] = [
      'account.transaction_posted',
      'account.parent_linked',
      'account.parent_unlinked',
      'account.customer_added',
      'program.created',
      'program.changed',
      'status_reason.created',
      'environment.settings_changed',
      'api_key.created',
      'api_key.rotated',
      'api_key.revoked',
      'org.time_zone_changed',
      'application.cancelled',
    ];
    expect(userChanges.filter((type) => !seen.has(type))).toEqual([]);
  });
});
