import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  createOrgWithKey,
  eventually,
  expectProblem,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// The lists of orgs, accounts, customers, applications, programs and status reasons: one cursor
// style (?limit&after → {items, next}), their filters, paging through to the end without a gap
// or a repeat, refusals of bad input, and that no list shows another org's or the other
// environment's rows.

let product: TestProduct;
/** Org A: its test key, its production key, and its id */
const a = { orgId: '', key: '', productionKey: '' };
/** Org B */
const b = { orgId: '', key: '' };
const programs: string[] = [];
const accounts: string[] = [];
let parentId: string;
let blockedId: string;
let jointId: string;
const applications: string[] = [];
let cancelledApplication: string;

const get = (path: string, key: string) => product.http('GET', path, { key });

/** Every item of a list, fetched two at a time by following `next` until it is null. */
async function pageThrough(path: string, key: string, limit = 2): Promise<{ id: string }[]> {
  const items: { id: string }[] = [];
  const separator = path.includes('?') ? '&' : '?';
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const response = await get(
      `${path}${separator}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      key,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['items', 'next']);
    expect(response.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...response.body.items);
    after = response.body.next;
    if (after === null) return items;
    expect(after).toMatch(/^[A-Za-z0-9_-]+$/);
  }
  throw new Error(`${path}: more than 100 pages`);
}

/** Paging through with limit=2 gives exactly the items of one big page, in the same order. */
async function expectWholeList(path: string, key: string): Promise<string[]> {
  const paged = (await pageThrough(path, key)).map((item) => item.id);
  expect(new Set(paged).size, 'no item twice').toBe(paged.length);
  const separator = path.includes('?') ? '&' : '?';
  const whole = await get(`${path}${separator}limit=200`, key);
  expect(whole.status).toBe(200);
  expect(whole.body.next).toBeNull();
  expect(paged).toEqual(whole.body.items.map((item: { id: string }) => item.id));
  return paged;
}

async function call(method: string, path: string, key: string, json?: unknown) {
  const response = await product.http(method, path, { key, json });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const person = (name: string, documentNumber: string) => ({ person: { name, documentNumber } });

beforeAll(async () => {
  product = await startTestProduct();
  Object.assign(a, await createOrgWithKey(product.http, 'Lists A Pagamentos', ['VISA']));
  Object.assign(b, await createOrgWithKey(product.http, 'Lists B Bank', ['VISA']));
  await onboardingClient(product.http).waitForEnvironments(a.orgId);
  a.productionKey = (
    await call('POST', `/v1/orgs/${a.orgId}/api-keys`, OPERATOR_KEY, {
      environment: 'PRODUCTION',
      name: 'live',
    })
  ).token;

  for (let i = 0; i < 5; i += 1) {
    const program = await call('POST', '/v1/programs', a.key, {
      name: `A program ${i}`,
      type: 'PREPAID',
      cardNetwork: 'VISA',
      currency: 'BRL',
    });
    programs.push(program.id);
  }
  await call('POST', '/v1/programs', a.productionKey, {
    name: 'A production program',
    type: 'PREPAID',
    cardNetwork: 'VISA',
    currency: 'BRL',
  });
  const bProgram = await call('POST', '/v1/programs', b.key, {
    name: 'B program',
    type: 'PREPAID',
    cardNetwork: 'VISA',
    currency: 'BRL',
  });
  // The same document number in B and in A's production: a customer of each, not of A's test
  await call('POST', '/v1/accounts', b.key, {
    programId: bProgram.id,
    owner: person('B Holder', 'DOC-SHARED'),
  });

  const open = async (programId: string, owner: object, parentAccountId?: string) => {
    const account = await call('POST', '/v1/accounts', a.key, {
      programId,
      owner,
      ...(parentAccountId ? { parentAccountId } : {}),
    });
    accounts.push(account.id);
    return account.id as string;
  };
  parentId = await open(programs[0]!, person('Ana Parent', 'DOC-PARENT'));
  await open(programs[1]!, person('Bia Child', 'DOC-CHILD-1'), parentId);
  await open(programs[1]!, person('Caio Child', 'DOC-CHILD-2'), parentId);
  blockedId = await open(programs[2]!, person('Davi Blocked', 'DOC-BLOCKED'));
  jointId = await open(programs[0]!, person('Eva Joint', 'DOC-SHARED'));
  await open(programs[3]!, person('Fabio Ninguem', 'DOC-OTHER'));
  await call('PATCH', `/v1/accounts/${blockedId}/status`, a.key, { status: 'BLOCKED' });
  // A joint holder: found by its document number too
  await call('POST', `/v1/accounts/${parentId}/customers`, a.key, {
    customer: person('Gil Joint', 'DOC-JOINT'),
  });
  await call('POST', `/v1/accounts/${jointId}/customers`, a.key, {
    customer: person('Gil Joint', 'DOC-JOINT'),
  });

  for (let i = 0; i < 4; i += 1) {
    const application = await call('POST', '/v1/account-applications', a.key, {
      programId: programs[0],
      applicant: person(`Applicant ${i}`, `DOC-APP-${i}`),
    });
    applications.push(application.id);
  }
  cancelledApplication = applications[3]!;
  await eventually(async () =>
    (await get(`/v1/account-applications/${cancelledApplication}`, a.key)).status === 200
      ? true
      : undefined,
  );
  await call('POST', `/v1/account-applications/${cancelledApplication}/cancel`, a.key);
  await call('POST', '/v1/account-applications', b.key, {
    programId: bProgram.id,
    applicant: person('B Applicant', 'DOC-APP-B'),
  });
}, 240_000);

afterAll(async () => {
  await product?.stop();
});

describe('GET /v1/accounts', () => {
  it('pages through every account of the environment, oldest first, without a gap or a repeat', async () => {
    const ids = await expectWholeList('/v1/accounts', a.key);
    expect(ids).toEqual(accounts);
  });

  it('filters by status, program, parent and a holder’s or joint holder’s document number', async () => {
    const ids = async (query: string) =>
      (await pageThrough(`/v1/accounts?${query}`, a.key)).map((item) => item.id);
    expect(await ids('status=BLOCKED')).toEqual([blockedId]);
    expect(await ids('status=NORMAL')).toEqual(accounts.filter((id) => id !== blockedId));
    expect(await ids(`programId=${programs[1]}`)).toEqual(accounts.slice(1, 3));
    expect(await ids(`parentAccountId=${parentId}`)).toEqual(accounts.slice(1, 3));
    expect(await ids('customerDocument=DOC-SHARED')).toEqual([jointId]);
    expect(await ids('customerDocument=DOC-JOINT')).toEqual([parentId, jointId]);
    expect(await ids(`customerDocument=DOC-JOINT&programId=${programs[0]}&status=NORMAL`)).toEqual([
      parentId,
      jointId,
    ]);
    expect(await ids('customerDocument=DOC-NOBODY')).toEqual([]);
    const first = (await get('/v1/accounts?status=BLOCKED', a.key)).body.items[0];
    expect(first).toMatchObject({
      id: blockedId,
      status: 'BLOCKED',
      holder: { name: 'Davi Blocked' },
    });
  });

  it("shows another org's key and the other environment's key none of these accounts", async () => {
    for (const key of [b.key, a.productionKey]) {
      const seen = (await pageThrough('/v1/accounts', key)).map((item) => item.id);
      expect(seen.filter((id) => accounts.includes(id))).toEqual([]);
      for (const query of [
        `programId=${programs[0]}`,
        `parentAccountId=${parentId}`,
        'customerDocument=DOC-JOINT',
      ]) {
        expect((await get(`/v1/accounts?${query}`, key)).body).toEqual({ items: [], next: null });
      }
    }
    // B's own account is B's alone, though A has a customer with the same document number
    const bAccounts = await pageThrough('/v1/accounts?customerDocument=DOC-SHARED', b.key);
    expect(bAccounts).toHaveLength(1);
    expect(accounts).not.toContain(bAccounts[0]!.id);
    expect(await pageThrough('/v1/accounts', a.productionKey)).toEqual([]);
  });
});

describe('GET /v1/customers', () => {
  it('pages through the environment’s customers and finds one by document number', async () => {
    const ids = await expectWholeList('/v1/customers', a.key);
    expect(ids).toHaveLength(7);
    const found = await get('/v1/customers?documentNumber=DOC-JOINT', a.key);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({ name: 'Gil Joint', documentNumber: 'DOC-JOINT' });
    expect(found.body.next).toBeNull();
    expect((await get('/v1/customers?documentNumber=DOC-NOBODY', a.key)).body).toEqual({
      items: [],
      next: null,
    });
  });

  it('shows no customer of A’s test environment to B or to A’s production', async () => {
    const ours = await pageThrough('/v1/customers', a.key);
    for (const key of [b.key, a.productionKey]) {
      const seen = (await pageThrough('/v1/customers', key)).map((item) => item.id);
      expect(seen.filter((id) => ours.some((c) => c.id === id))).toEqual([]);
      expect((await get('/v1/customers?documentNumber=DOC-JOINT', key)).body.items).toEqual([]);
    }
    const bShared = (await get('/v1/customers?documentNumber=DOC-SHARED', b.key)).body.items;
    expect(bShared).toHaveLength(1);
    expect(bShared[0].name).toBe('B Holder');
  });
});

describe('GET /v1/programs and GET /v1/account-status-reasons', () => {
  it('answer pages of the same shape, each environment its own', async () => {
    const ids = await expectWholeList('/v1/programs', a.key);
    expect(ids).toEqual(programs);
    const production = await pageThrough('/v1/programs', a.productionKey);
    expect(production.map((p) => (p as unknown as { name: string }).name)).toEqual([
      'A production program',
    ]);
    expect((await pageThrough('/v1/programs', b.key)).some((p) => programs.includes(p.id))).toBe(
      false,
    );

    const reasons = await expectWholeList('/v1/account-status-reasons', a.key);
    expect(reasons.length).toBeGreaterThan(2);
    for (const key of [b.key, a.productionKey]) {
      const seen = (await pageThrough('/v1/account-status-reasons', key)).map((r) => r.id);
      expect(seen.length).toBe(reasons.length);
      expect(seen.filter((id) => reasons.includes(id))).toEqual([]);
    }
  });
});

describe('GET /v1/account-applications', () => {
  const listed = (query: string, key = a.key) =>
    pageThrough(`/v1/account-applications${query}`, key).then((items) =>
      items.map((item) => item.id),
    );

  it('pages through the environment’s applications (Temporal visibility) by status', async () => {
    const all = await eventually(async () => {
      const ids = await listed('');
      return ids.length === applications.length && (await listed('?status=CANCELLED')).length === 1
        ? ids
        : undefined;
    });
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...applications].sort());
    // Temporal's order: running runs newest first, then ended ones by when they ended
    expect(all).toEqual([...applications.slice(0, 3).reverse(), cancelledApplication]);
    expect(await listed('?status=CANCELLED')).toEqual([cancelledApplication]);
    expect(await listed('?status=DRAFT')).toEqual(applications.slice(0, 3).reverse());
    expect(await listed('?status=SUBMITTED')).toEqual([]);
    const first = (await get('/v1/account-applications?status=CANCELLED', a.key)).body.items[0];
    expect(first).toMatchObject({
      id: cancelledApplication,
      status: 'CANCELLED',
      createdAt: expect.any(String),
      links: { self: `/v1/account-applications/${cancelledApplication}` },
    });
  });

  it('wraps Temporal’s page token in the cursor, good only for the same filter', async () => {
    const page = await get('/v1/account-applications?limit=1', a.key);
    expect(page.body.next).toEqual(expect.any(String));
    expectProblem(
      await get(
        `/v1/account-applications?status=DRAFT&after=${encodeURIComponent(page.body.next)}`,
        a.key,
      ),
      400,
      'invalid_cursor',
    );
    // The same cursor with another org's key lists that org's own, nothing of A
    const foreign = await get(
      `/v1/account-applications?after=${encodeURIComponent(page.body.next)}`,
      b.key,
    );
    expect(foreign.status).toBeLessThan(500);
    if (foreign.status === 200)
      expect(
        foreign.body.items.filter((item: { id: string }) => applications.includes(item.id)),
      ).toEqual([]);
  });

  it('shows none of them to B or to A’s production', async () => {
    const bIds = await eventually(async () => {
      const ids = await listed('', b.key);
      return ids.length === 1 ? ids : undefined;
    });
    expect(applications).not.toContain(bIds[0]);
    expect(await listed('', a.productionKey)).toEqual([]);
    expect(await listed('?status=CANCELLED', b.key)).toEqual([]);
  });
});

describe('GET /v1/orgs', () => {
  it('is the operator’s: an org key is refused', async () => {
    expectProblem(await get('/v1/orgs', a.key), 403);
  });

  it('pages through every org, by status and by onboarding stage', async () => {
    const ids = await expectWholeList('/v1/orgs', OPERATOR_KEY);
    expect(ids).toEqual([a.orgId, b.orgId]);
    expect(await pageThrough('/v1/orgs?status=ACTIVE', OPERATOR_KEY)).toEqual([]);
    expect(
      (await pageThrough('/v1/orgs?status=ONBOARDING', OPERATOR_KEY)).map((o) => o.id),
    ).toEqual([a.orgId, b.orgId]);
    const orgA = (await get('/v1/orgs?limit=1', OPERATOR_KEY)).body.items[0];
    expect(orgA).toMatchObject({
      id: a.orgId,
      status: 'ONBOARDING',
      legalName: 'Lists A Pagamentos',
    });
    expect(orgA.onboardingStages).toContain('productionEnvironment.ready');

    // The stage follows the run: once Service Desk access is granted to A, A leaves that stage
    const awaiting = (query: string) =>
      pageThrough(`/v1/orgs?onboardingStage=${query}`, OPERATOR_KEY).then((items) =>
        items.map((item) => item.id),
      );
    expect(await awaiting('serviceDesk.awaitingAccess')).toEqual([a.orgId, b.orgId]);
    await onboardingClient(product.http).send(a.orgId, {
      type: 'SERVICE_DESK_ACCESS_GRANTED',
      notes: 'SD-1',
    });
    await eventually(async () =>
      (await awaiting('serviceDesk.granted')).join() === a.orgId ? true : undefined,
    );
    expect(await awaiting('serviceDesk.awaitingAccess')).toEqual([b.orgId]);
    expect(await awaiting('onboarding')).toEqual([a.orgId, b.orgId]);
    expect(await awaiting('live')).toEqual([]);
    expect(
      (
        await pageThrough(
          '/v1/orgs?status=ONBOARDING&onboardingStage=serviceDesk.granted',
          OPERATOR_KEY,
        )
      ).map((o) => o.id),
    ).toEqual([a.orgId]);
  });
});

describe('bad list input is a 400 naming the field and the rule', () => {
  const refused = async (path: string, key: string, field: string, rule: string) => {
    const response = await get(path, key);
    expectProblem(response, 400);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ field, rule }));
  };

  it('refuses a malformed cursor, and a cursor of another list', async () => {
    const programsPage = await get('/v1/programs?limit=1', a.key);
    const programCursor = programsPage.body.next as string;
    expect(programCursor).toEqual(expect.any(String));
    for (const path of [
      '/v1/accounts',
      '/v1/customers',
      '/v1/programs',
      '/v1/account-status-reasons',
      '/v1/account-applications',
    ]) {
      for (const after of [
        'banana',
        '%21%21',
        Buffer.from('{"l":"accounts","c":"yesterday","i":"x"}').toString('base64url'),
        Buffer.from('not json').toString('base64url'),
        'A'.repeat(3000),
      ]) {
        const response = await get(`${path}?after=${after}`, a.key);
        expectProblem(response, 400);
        expect(response.body.errors[0].field).toBe('query.after');
        expect(['invalid_cursor', 'too_long']).toContain(response.body.errors[0].rule);
      }
    }
    await refused(`/v1/accounts?after=${programCursor}`, a.key, 'query.after', 'invalid_cursor');
    await refused(`/v1/orgs?after=${programCursor}`, OPERATOR_KEY, 'query.after', 'invalid_cursor');
    await refused('/v1/orgs?after=xyz', OPERATOR_KEY, 'query.after', 'invalid_cursor');
  });

  it('refuses a cursor of the list whose every field is out of range, on every list', async () => {
    const encode = (cursor: object) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
    const uuid = '0195f3a0-7c4e-7b1a-8d2e-3f4a5b6c7d8e';
    const keyset = (list: string) =>
      ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z'].map((c) =>
        encode({ l: list, c, i: uuid }),
      );
    const endpoint = await call('POST', '/v1/webhook-endpoints', a.key, {
      url: 'https://hooks.example/lists',
      eventTypes: ['report.account_limits_ready'],
    });
    const keysetLists: [path: string, list: string, key: string][] = [
      ['/v1/orgs', 'orgs', OPERATOR_KEY],
      ['/v1/accounts', 'accounts', a.key],
      ['/v1/customers', 'customers', a.key],
      ['/v1/programs', 'programs', a.key],
      ['/v1/account-status-reasons', 'account-status-reasons', a.key],
      [`/v1/orgs/${a.orgId}/api-keys`, 'api-keys', a.key],
      [`/v1/orgs/${a.orgId}/api-keys`, 'api-keys', OPERATOR_KEY],
      ['/v1/webhook-endpoints', 'webhook-endpoints', a.key],
      [`/v1/webhook-endpoints/${endpoint.id}/deliveries`, 'webhook-deliveries', a.key],
    ];
    const tampered: [path: string, after: string, key: string][] = [
      ...keysetLists.flatMap(([path, list, key]) =>
        keyset(list).map((after): [string, string, string] => [path, after, key]),
      ),
      ...[
        { l: 'events', x: '9223372036854775808', s: '0' },
        { l: 'events', x: '0', s: '9223372036854775808' },
        { l: 'events', x: '9999999999999999999', s: '9999999999999999999' },
      ].map((cursor): [string, string, string] => ['/v1/events', encode(cursor), a.key]),
      // Temporal's page token made up (in the shape the cursor had before and has now)
      ...[
        { l: 'account-applications', t: Buffer.from('garbage').toString('base64'), f: '' },
        { l: 'account-applications', t: Buffer.from('garbage').toString('base64') },
        { l: 'account-applications', t: Buffer.from('{"CloseTime":"x"}').toString('base64') },
      ].map((cursor): [string, string, string] => [
        '/v1/account-applications',
        encode(cursor),
        a.key,
      ]),
      ...[
        `/v1/accounts/${accounts[0]}/status-history`,
        `/v1/accounts/${accounts[0]}/events`,
        `/v1/programs/${programs[0]}/changes`,
      ].flatMap((path): [string, string, string][] => [
        [path, '99999999999999999999', a.key],
        [path, '-1', a.key],
        [path, keyset('accounts')[0]!, a.key],
      ]),
    ];
    const shown = (after: string) =>
      /^[0-9-]+$/.test(after) ? after : Buffer.from(after, 'base64url').toString();
    const answers = await Promise.all(
      tampered.map(async ([path, after, key]) => {
        const response = await get(`${path}?after=${after}`, key);
        const error = response.body?.errors?.[0];
        return `${path} ${shown(after)}: ${response.status} ${response.headers.get('content-type')} ${error?.field} ${error?.rule}`;
      }),
    );
    expect(answers).toEqual(
      tampered.map(
        ([path, after]) =>
          `${path} ${shown(after)}: 400 application/problem+json; charset=utf-8 query.after invalid_cursor`,
      ),
    );
  });

  it('refuses hostile filters and limits', async () => {
    await refused(
      '/v1/accounts?customerDocument=DOC%00X',
      a.key,
      'query.customerDocument',
      'control_character',
    );
    await refused(
      '/v1/customers?documentNumber=%00',
      a.key,
      'query.documentNumber',
      'control_character',
    );
    await refused('/v1/accounts?limit=banana', a.key, 'query.limit', 'invalid_type');
    await refused('/v1/accounts?limit=1e30', a.key, 'query.limit', 'too_big');
    await refused('/v1/customers?limit=0', a.key, 'query.limit', 'too_small');
    await refused('/v1/programs?limit=2.5', a.key, 'query.limit', 'invalid_type');
    await refused('/v1/account-applications?limit=201', a.key, 'query.limit', 'too_big');
    await refused('/v1/accounts?colour=red', a.key, 'query.colour', 'unknown_field');
    await refused('/v1/orgs?legalName=Acme', OPERATOR_KEY, 'query.legalName', 'unknown_field');
    await refused('/v1/accounts?status=FROZEN', a.key, 'query.status', 'invalid_value');
    await refused('/v1/accounts?programId=nope', a.key, 'query.programId', 'invalid_uuid');
    await refused(
      '/v1/accounts?parentAccountId=nope',
      a.key,
      'query.parentAccountId',
      'invalid_uuid',
    );
    await refused(
      '/v1/accounts?customerDocument=%27%20OR%201%3D1',
      a.key,
      'query.customerDocument',
      'invalid_format',
    );
    await refused(
      '/v1/account-applications?status=DRAFT%27%20OR%20%271',
      a.key,
      'query.status',
      'invalid_value',
    );
    await refused(
      '/v1/orgs?onboardingStage=nowhere',
      OPERATOR_KEY,
      'query.onboardingStage',
      'invalid_value',
    );
    await refused('/v1/orgs?status=GONE', OPERATOR_KEY, 'query.status', 'invalid_value');
  });
});
