import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../common/plain-dates.js';
import { lastChangeDate } from '../../machines/credit-cycle.js';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  databaseFingerprint,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// PATCH /v1/programs/:programId: what may change of a program, at the version the caller saw,
// never under its accounts' feet, each change audited; and GET …/changes, the audit.

let product: TestProduct;
let key: string;
let otherOrgKey: string;
let productionKey: string;
/** A due day whose cycle still takes due date changes today, whatever the date */
let day: number;

beforeAll(async () => {
  product = await startTestProduct();
  const acme = await createOrgWithKey(product.http, 'Acme Programs', ['VISA']);
  key = acme.key;
  otherOrgKey = (await createOrgWithKey(product.http, 'Beta Programs', ['VISA'])).key;
  await onboardingClient(product.http).waitForEnvironments(acme.orgId);
  const production = await product.http('POST', `/v1/orgs/${acme.orgId}/api-keys`, {
    key: OPERATOR_KEY,
    json: { environment: 'PRODUCTION', name: 'live' },
  });
  expect(production.status, JSON.stringify(production.body)).toBe(201);
  productionKey = production.body.token;
  const today = localDate(new Date(), sampleOrg.timeZone);
  day = [...Array(26).keys()].map((d) => d + 1).find((d) => today <= lastChangeDate(d, today))!;
}, 240_000);
afterAll(async () => {
  await product?.stop();
});

async function createProgram(json: object = {}): Promise<HttpResponse> {
  const response = await product.http('POST', '/v1/programs', {
    key,
    json: {
      name: `P-${randomBytes(4).toString('hex')}`,
      type: 'CREDIT',
      cardNetwork: 'VISA',
      currency: 'BRL',
      dueDays: [day, day + 1],
      defaultCreditLimit: 100_000,
      ...json,
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response;
}
const program = async (json: object = {}): Promise<string> => (await createProgram(json)).body.id;
const patch = (id: string, json: unknown, headers: Record<string, string> = {}, k = key) =>
  product.http('PATCH', `/v1/programs/${id}`, { key: k, json, headers });
const get = (id: string, k = key) => product.http('GET', `/v1/programs/${id}`, { key: k });
const changes = (id: string, query = '', k = key) =>
  product.http('GET', `/v1/programs/${id}/changes${query}`, { key: k });
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
// API keys are left out: using one records when it was last used, which is no change of a program
const fingerprint = () => databaseFingerprint(product.prisma, { except: ['ApiKey'] });

describe('a program', () => {
  it('answers its version as the ETag, from creation on', async () => {
    const created = await createProgram({ maxCreditLimit: 500_000 });
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(created.body).toMatchObject({ version: 1, maxCreditLimit: 500_000 });
    const read = await get(created.body.id);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"v1"');
    expect(read.body).toEqual(created.body);
    expect((await createProgram()).body.maxCreditLimit).toBeNull();
  });
});

describe('PATCH /v1/programs/:programId', () => {
  it('changes each field that may change, one version and one audit row per change', async () => {
    const id = await program({ maxCreditLimit: 200_000 });
    const name = `Renamed-${randomBytes(3).toString('hex')}`;
    const steps: [object, object][] = [
      [{ name }, { name }],
      [{ dueDays: [day + 2, day, day + 1] }, { dueDays: [day, day + 1, day + 2] }],
      [{ dueDayChangeLimit: 3 }, { dueDayChangeLimit: 3 }],
      [{ defaultCreditLimit: 150_000 }, { defaultCreditLimit: 150_000 }],
      [{ maxCreditLimit: 300_000 }, { maxCreditLimit: 300_000 }],
      [{ maxCreditLimit: null }, { maxCreditLimit: null }],
    ];
    const requestIds: string[] = [];
    for (const [index, [body, expected]] of steps.entries()) {
      const version = index + 1;
      const changed = await patch(id, body, { 'if-match': `"v${version}"` });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({ ...expected, version: version + 1 });
      expect(changed.headers.get('etag')).toBe(`"v${version + 1}"`);
      requestIds.push(changed.headers.get('x-request-id')!);
    }
    const read = await get(id);
    expect(read.body).toMatchObject({
      name,
      type: 'CREDIT',
      dueDays: [day, day + 1, day + 2],
      dueDayChangeLimit: 3,
      defaultCreditLimit: 150_000,
      maxCreditLimit: null,
      version: 7,
    });

    const audit = await changes(id);
    expect(audit.status).toBe(200);
    expect(audit.body.next).toBeNull();
    expect(audit.body.items).toMatchObject([
      { version: 2, before: { name: expect.any(String) }, after: { name } },
      {
        version: 3,
        before: { dueDays: [day, day + 1] },
        after: { dueDays: [day, day + 1, day + 2] },
      },
      { version: 4, before: { dueDayChangeLimit: 1 }, after: { dueDayChangeLimit: 3 } },
      {
        version: 5,
        before: { defaultCreditLimit: 100_000 },
        after: { defaultCreditLimit: 150_000 },
      },
      { version: 6, before: { maxCreditLimit: 200_000 }, after: { maxCreditLimit: 300_000 } },
      { version: 7, before: { maxCreditLimit: 300_000 }, after: { maxCreditLimit: null } },
    ]);
    for (const [index, item] of audit.body.items.entries()) {
      expect(item.by).toMatch(/^api-key:/);
      expect(item.requestId).toBe(requestIds[index]);
      expect(Object.keys(item.after)).toEqual(Object.keys(item.before));
    }

    // Pages of the audit: limit and after
    const first = await changes(id, '?limit=4');
    expect(first.body.items.map((i: { version: number }) => i.version)).toEqual([2, 3, 4, 5]);
    expect(first.body.next).toBe(first.body.items[3].id);
    const second = await changes(id, `?limit=4&after=${first.body.next}`);
    expect(second.body.items.map((i: { version: number }) => i.version)).toEqual([6, 7]);
    expect(second.body.next).toBeNull();
  });

  it('changes nothing, and writes nothing, for values the program already has', async () => {
    const created = (await createProgram()).body;
    const before = await fingerprint();
    const same = await patch(created.id, { name: created.name, dueDays: [day + 1, day] });
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body).toEqual(created);
    expect(await fingerprint()).toBe(before);
  });

  it('refuses a stale If-Match with the current version, and changes nothing', async () => {
    const id = await program();
    expect((await patch(id, { dueDayChangeLimit: 2 }, { 'if-match': '"v1"' })).status).toBe(200);
    const before = await fingerprint();
    const stale = await patch(id, { dueDayChangeLimit: 5 }, { 'if-match': '"v1"' });
    expectProblem(stale, 412);
    expect(stale.body).toMatchObject({ currentVersion: 2, etag: '"v2"' });
    expect(await fingerprint()).toBe(before);
    expectProblem(await patch(id, { name: 'x' }, { 'if-match': 'v2' }), 400, 'invalid_etag');
    // Without If-Match (or with *) the change applies to the current version, as for accounts
    const any = await patch(id, { dueDayChangeLimit: 5 }, { 'if-match': '*' });
    expect(any.body).toMatchObject({ dueDayChangeLimit: 5, version: 3 });
  });

  it('lets one of two changes made on the same version through, and refuses the other', async () => {
    const id = await program();
    const answers = await Promise.all(
      [2, 3, 4, 5].map((limit) => patch(id, { dueDayChangeLimit: limit }, { 'if-match': '"v1"' })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412, 412, 412]);
    expect((await changes(id)).body.items).toHaveLength(1);
    expect((await get(id)).body.version).toBe(2);
  });

  it('refuses type, currency and card network as immutable, writing nothing', async () => {
    const id = await program();
    const before = await fingerprint();
    for (const [field, value] of [
      ['type', 'DEBIT'],
      ['currency', 'USD'],
      ['cardNetwork', 'MASTERCARD'],
      ['type', 'CREDIT'],
    ] as const) {
      const refused = await patch(id, { name: 'Renamed', [field]: value });
      expectProblem(refused, 400, 'immutable');
      expect(refused.body.errors).toEqual([
        expect.objectContaining({ field: `body.${field}`, rule: 'immutable' }),
      ]);
    }
    expectProblem(await patch(id, { currency: 'BRL' }), 400, 'immutable');
    expect(await fingerprint()).toBe(before);
  });

  it('refuses to stop offering a due day an account is on (409), and allows it once the account moved', async () => {
    const id = await program({ dueDays: [day, day + 1, day + 2] });
    const first = await account(id);
    await account(id);
    const onLater = await account(id, { dueDay: day + 1 });
    const before = await fingerprint();

    const refused = await patch(id, { dueDays: [day + 2] }, { 'if-match': '"v1"' });
    expectProblem(refused, 409, 'due_day_in_use');
    expect(refused.body.dueDaysInUse).toEqual([
      { dueDay: day, accounts: 2 },
      { dueDay: day + 1, accounts: 1 },
    ]);
    expect(refused.body.errors[0].field).toBe('body.dueDays');
    expect(await fingerprint()).toBe(before);

    // Removing only a day no account is on is fine
    const partly = await patch(id, { dueDays: [day, day + 1] });
    expect(partly.status, JSON.stringify(partly.body)).toBe(200);
    expect(partly.body.dueDays).toEqual([day, day + 1]);

    // The issuer moves the accounts on the day first, then the day may go
    for (const accountId of [first]) {
      const moved = await product.http('PATCH', `/v1/accounts/${accountId}/due-date`, {
        key,
        json: { dueDay: day + 1 },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    const stillOne = await patch(id, { dueDays: [day + 1] });
    expectProblem(stillOne, 409, 'due_day_in_use');
    expect(stillOne.body.dueDaysInUse).toEqual([{ dueDay: day, accounts: 1 }]);

    const accounts = await product.prisma.account.findMany({ where: { programId: id } });
    for (const a of accounts.filter((a) => a.dueDay === day)) {
      const moved = await product.http('PATCH', `/v1/accounts/${a.id}/due-date`, {
        key,
        json: { dueDay: day + 1 },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    const removed = await patch(id, { dueDays: [day + 1] });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    expect(removed.body).toMatchObject({ dueDays: [day + 1], version: 3 });
    expect((await changes(id)).body.items.at(-1)).toMatchObject({
      before: { dueDays: [day, day + 1] },
      after: { dueDays: [day + 1] },
    });
    expect((await product.http('GET', `/v1/accounts/${onLater}`, { key })).body.dueDay).toBe(
      day + 1,
    );
  });

  it('refuses a maximum credit limit below an account’s (409), and one below the default (400)', async () => {
    const id = await program();
    await account(id);
    const before = await fingerprint();
    const refused = await patch(id, { defaultCreditLimit: 40_000, maxCreditLimit: 50_000 });
    expectProblem(refused, 409, 'credit_limit_in_use');
    expect(refused.body.creditLimitsAboveMaximum).toEqual({
      accounts: 1,
      highestCreditLimit: 100_000,
    });
    expectProblem(await patch(id, { maxCreditLimit: 90_000 }), 400, 'below_default_credit_limit');
    const allowed = await patch(id, { maxCreditLimit: 100_000 });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    const afterAllowed = await fingerprint();
    expectProblem(await patch(id, { defaultCreditLimit: 100_001 }), 400, 'above_max_credit_limit');
    expect(await fingerprint()).toBe(afterAllowed);
    expect(before).not.toBe(afterAllowed);

    // A migration into a program whose maximum is below the account's limit is refused too
    const small = await program({ defaultCreditLimit: 10_000, maxCreditLimit: 20_000 });
    const accountId = await account(id);
    const migration = await product.http('POST', `/v1/accounts/${accountId}/program-migrations`, {
      key,
      json: { targetProgramId: small },
    });
    expectProblem(migration, 409, 'credit_limit_above_maximum');
  });

  it('refuses credit terms on a debit program, and a name another program has', async () => {
    const debit = (
      await createProgram({ type: 'DEBIT', dueDays: undefined, defaultCreditLimit: undefined })
    ).body;
    const taken = (await createProgram()).body;
    const before = await fingerprint();
    for (const field of ['dueDays', 'dueDayChangeLimit', 'defaultCreditLimit', 'maxCreditLimit']) {
      const value = field === 'dueDays' ? [5] : 1;
      expectProblem(await patch(debit.id, { [field]: value }), 400, 'credit_only');
    }
    const clash = await patch(debit.id, { name: taken.name });
    expectProblem(clash, 409, 'unique');
    expect(clash.body.errors[0].field).toBe('body.name');
    expect(await fingerprint()).toBe(before);
    expect((await patch(debit.id, { name: `${taken.name}-2` })).status).toBe(200);
  });

  it('refuses hostile and malformed input with the field and rule, writing nothing', async () => {
    const id = await program();
    const before = await fingerprint();
    const cases: [unknown, string, string][] = [
      [{}, 'body', 'no_fields'],
      [{ name: 'bad\u0000name' }, 'body.name', 'control_character'],
      [{ name: 'two\nlines' }, 'body.name', 'control_character'],
      [{ name: '' }, 'body.name', 'too_short'],
      [{ name: 'x'.repeat(101) }, 'body.name', 'too_long'],
      [{ name: 42 }, 'body.name', 'invalid_type'],
      [{ dueDays: 'monthly' }, 'body.dueDays', 'invalid_type'],
      [{ dueDays: [] }, 'body.dueDays', 'too_few'],
      [{ dueDays: [-1] }, 'body.dueDays.0', 'too_small'],
      [{ dueDays: [0] }, 'body.dueDays.0', 'too_small'],
      [{ dueDays: [29] }, 'body.dueDays.0', 'too_big'],
      [{ dueDays: [5, 5] }, 'body.dueDays', 'unique'],
      [{ dueDays: [5.5] }, 'body.dueDays.0', 'invalid_type'],
      [{ dueDays: ['5'] }, 'body.dueDays.0', 'invalid_type'],
      [{ dueDayChangeLimit: 0 }, 'body.dueDayChangeLimit', 'too_small'],
      [{ dueDayChangeLimit: 2 ** 53 + 2 }, 'body.dueDayChangeLimit', 'too_big'],
      [{ defaultCreditLimit: 2 ** 53 + 2 }, 'body.defaultCreditLimit', 'too_big'],
      [{ maxCreditLimit: 1e300 }, 'body.maxCreditLimit', 'too_big'],
      [{ maxCreditLimit: -1 }, 'body.maxCreditLimit', 'too_small'],
      [{ maxCreditLimit: '100' }, 'body.maxCreditLimit', 'invalid_type'],
      [{ defaultCreditLimit: null }, 'body.defaultCreditLimit', 'invalid_type'],
      [{ colour: 'gold' }, 'body.colour', 'unknown_field'],
      [[{ name: 'x' }], 'body', 'invalid_type'],
    ];
    for (const [body, field, rule] of cases) {
      const refused = await patch(id, body);
      expectProblem(refused, 400, rule);
      expect(refused.body.errors, JSON.stringify(body)).toContainEqual(
        expect.objectContaining({ field, rule }),
      );
    }
    const raw = await product.http('PATCH', `/v1/programs/${id}`, {
      key,
      raw: '{"maxCreditLimit": 123456789012345678901234567890}',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(raw, 400, 'too_big');
    expectProblem(
      await product.http('PATCH', `/v1/programs/${id}`, {
        key,
        raw: '{"name":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    expectProblem(await patch('not-a-uuid', { name: 'x' }), 400, 'invalid_uuid');
    expectProblem(await changes(id, '?limit=0'), 400, 'too_small');
    expectProblem(await changes(id, '?after=abc'), 400, 'invalid_cursor');
    expect(await fingerprint()).toBe(before);
  });

  it("answers 404 to another org's key and to the other environment's key, changing nothing", async () => {
    const id = await program();
    await patch(id, { dueDayChangeLimit: 2 });
    const before = await fingerprint();
    for (const other of [otherOrgKey, productionKey]) {
      expectProblem(await get(id, other), 404);
      expectProblem(await patch(id, { name: 'Stolen' }, {}, other), 404);
      expectProblem(await patch(id, { dueDays: [1] }, { 'if-match': '"v2"' }, other), 404);
      expectProblem(await changes(id, '', other), 404);
    }
    expect(await fingerprint()).toBe(before);
    expectProblem(await patch(id, { name: 'x' }, {}, ''), 401);
  });
});

describe('concurrent changes and accounts', () => {
  it('never leave an account on a due day its program stopped offering', async () => {
    for (let round = 0; round < 4; round++) {
      const id = await program({ dueDays: [day, day + 1] });
      const [removal, opening] = await Promise.all([
        patch(id, { dueDays: [day + 1] }),
        product.http('POST', '/v1/accounts', {
          key,
          json: {
            programId: id,
            owner: {
              person: { name: 'Ana', documentNumber: `R-${randomBytes(5).toString('hex')}` },
            },
            dueDay: day,
          },
        }),
      ]);
      // Either the day went first (the account is refused) or the account did (the day stays)
      expect(
        [removal.status, opening.status].sort(),
        JSON.stringify([removal.body, opening.body]),
      ).toEqual(removal.status === 200 ? [200, 400] : [201, 409]);
      const offered = (await get(id)).body.dueDays as number[];
      const accounts = await product.prisma.account.findMany({ where: { programId: id } });
      for (const a of accounts) expect(offered).toContain(a.dueDay);
    }
  });
});
