import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastChangeDate } from '../../machines/credit-cycle.js';
import { localDate } from '../../common/plain-dates.js';
import {
  createOrgWithKey,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

let product: TestProduct;
let key: string;
let otherKey: string;
/** A due day whose cycle still takes changes today, so the test holds whatever the date */
let day: number;

beforeAll(async () => {
  product = await startTestProduct();
  key = (await createOrgWithKey(product.http, 'Acme')).key;
  otherKey = (await createOrgWithKey(product.http, 'Beta')).key;
  const today = localDate(new Date(), sampleOrg.timeZone);
  day = [...Array(27).keys()].map((d) => d + 1).find((d) => today <= lastChangeDate(d, today))!;
});
afterAll(async () => {
  await product?.stop();
});

async function program(json: object): Promise<string> {
  const response = await product.http('POST', '/v1/programs', {
    key,
    json: {
      name: `P-${randomBytes(4).toString('hex')}`,
      cardNetwork: 'VISA',
      currency: 'BRL',
      ...json,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}
const credit = (dueDays: number[], extra: object = {}) =>
  program({ type: 'CREDIT', dueDays, defaultCreditLimit: 100_000, ...extra });
async function account(programId: string, extra: object = {}): Promise<string> {
  const response = await product.http('POST', '/v1/accounts', {
    key,
    json: {
      programId,
      owner: { person: { name: 'Ana', documentNumber: `D-${randomBytes(5).toString('hex')}` } },
      ...extra,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}
const migrate = (
  accountId: string,
  targetProgramId: string,
  headers: Record<string, string> = {},
  k = key,
) =>
  product.http('POST', `/v1/accounts/${accountId}/program-migrations`, {
    key: k,
    json: { targetProgramId },
    headers,
  });
const changeDueDay = (accountId: string, dueDay: number, headers: Record<string, string> = {}) =>
  product.http('PATCH', `/v1/accounts/${accountId}/due-date`, { key, json: { dueDay }, headers });
const events = async (accountId: string) =>
  (await product.http('GET', `/v1/accounts/${accountId}/events`, { key })).body.items;
const footprint = async (accountId: string) => {
  const a = (await product.http('GET', `/v1/accounts/${accountId}`, { key })).body;
  return {
    programId: a.programId,
    dueDay: a.dueDay,
    version: a.version,
    events: (await events(accountId)).length,
  };
};

describe('program migration', () => {
  it('is refused for a due day the target does not offer, listing its days, and accepted after the due date change', async () => {
    const source = await credit([day, day + 1]);
    const target = await credit([day + 1]);
    const accountId = await account(source);
    expect((await product.http('GET', `/v1/accounts/${accountId}`, { key })).body).toMatchObject({
      dueDay: day,
      creditLimit: 100_000,
      availableCreditLimit: 100_000,
    });

    const before = await footprint(accountId);
    const refused = await migrate(accountId, target);
    expectProblem(refused, 409, 'due_day_not_offered');
    expect(refused.body.dueDayOptions).toEqual([day + 1]);
    expect(await footprint(accountId)).toEqual(before);

    const changed = await changeDueDay(accountId, day + 1, { 'if-match': '"v1"' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ dueDay: day + 1, version: 2 });

    const migrated = await migrate(accountId, target, { 'idempotency-key': `m-${accountId}` });
    expect(migrated.status, JSON.stringify(migrated.body)).toBe(200);
    expect(migrated.body).toMatchObject({
      migration: { changed: true, fromProgramId: source, toProgramId: target },
      account: { programId: target, version: 3 },
    });
    const replay = await migrate(accountId, target, { 'idempotency-key': `m-${accountId}` });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    expect(await events(accountId)).toMatchObject([
      {
        kind: 'DUE_DAY_CHANGE',
        details: { fromDueDay: day, toDueDay: day + 1 },
        version: 2,
        by: expect.stringMatching(/^api-key:/),
      },
      {
        kind: 'PROGRAM_MIGRATION',
        details: { fromProgramId: source, toProgramId: target },
        version: 3,
      },
    ]);
    // Integrators read the same two changes, once each, from the event feed.
    const feed = await product.http('GET', `/v1/events?subjectId=${accountId}`, { key });
    expect(
      feed.body.items.filter((e: { type: string }) => e.type !== 'account.created'),
    ).toMatchObject([
      {
        type: 'account.due_day_changed',
        payload: { accountId, fromDueDay: day, toDueDay: day + 1, accountVersion: 2 },
      },
      {
        type: 'account.program_migrated',
        payload: { accountId, fromProgramId: source, toProgramId: target, accountVersion: 3 },
      },
    ]);
  });

  it('is refused between programs of another type, currency or network, writing nothing', async () => {
    const source = await credit([day]);
    const accountId = await account(source);
    const before = await footprint(accountId);
    for (const [other, rule] of [
      [await program({ type: 'DEBIT' }), 'type_mismatch'],
      [await credit([day], { currency: 'USD' }), 'currency_mismatch'],
      [await credit([day], { cardNetwork: 'MASTERCARD' }), 'network_mismatch'],
    ] as const) {
      const refused = await migrate(accountId, other);
      expectProblem(refused, 400, rule);
      expect(refused.body.errors[0].field).toBe('body.targetProgramId');
    }
    expectProblem(
      await migrate(accountId, '00000000-0000-4000-8000-000000000000'),
      400,
      'unknown_program',
    );
    expect(await footprint(accountId)).toEqual(before);
    expectProblem(await migrate(accountId, source, {}, otherKey), 404);
  });
});

describe('due date change', () => {
  it('refuses a day the program does not offer, one not later, a second change in the cycle, and a stale version', async () => {
    const source = await credit([day, day + 1]);
    const accountId = await account(source, { dueDay: day + 1 });
    const before = await footprint(accountId);
    const notOffered = await changeDueDay(accountId, 28 === day + 1 ? 1 : 28);
    expectProblem(notOffered, 400, 'not_offered');
    expect(notOffered.body.dueDayOptions).toEqual([day, day + 1]);
    expectProblem(await changeDueDay(accountId, day), 400, 'not_later');
    expectProblem(await changeDueDay(accountId, 29), 400, 'too_big');
    expect(await footprint(accountId)).toEqual(before);

    const other = await account(await credit([day, day + 1, day + 2].filter((d) => d <= 28)));
    expectProblem(await changeDueDay(other, day + 1, { 'if-match': '"v7"' }), 412);
    expect((await changeDueDay(other, day + 1)).status).toBe(200);
    if (day + 2 <= 28)
      expectProblem(await changeDueDay(other, day + 2), 409, 'change_limit_per_cycle');
  });

  it('allows as many changes per cycle as the program says', async () => {
    const days = [day, day + 1].concat(day + 2 <= 28 ? [day + 2] : []);
    const accountId = await account(await credit(days, { dueDayChangeLimit: 2 }));
    for (const d of days.slice(1)) expect((await changeDueDay(accountId, d)).status).toBe(200);
  });

  it('is only for credit accounts', async () => {
    const accountId = await account(await program({ type: 'PREPAID' }));
    expectProblem(await changeDueDay(accountId, 10), 400, 'credit_only');
  });
});
