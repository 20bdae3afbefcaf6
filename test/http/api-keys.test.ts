import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  PRODUCT_STEP_MS,
  createOrgWithKey,
  databaseFingerprint,
  eventually,
  expectProblem,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';
import { onboardingClient } from '../support/onboarding.js';

// Listing, revoking and rotating org API keys. Keys are trusted for API_KEY_CACHE_SECONDS (1 s
// here) without a lookup, and a rotated key keeps working for API_KEY_ROTATION_GRACE_HOURS (2 s
// here), so the bounds are seen to hold without waiting long.

const GRACE_MS = 2_000;
const CACHE_MS = 1_000;
/** A change to a key shows once the cache bound has passed, and a request after it is answered */
const KEY_CHANGE_SEEN_MS = CACHE_MS + PRODUCT_STEP_MS;

let product: TestProduct;
let a: { orgId: string; key: string };
let b: { orgId: string; key: string };
let aProduction: string;

beforeAll(async () => {
  product = await startTestProduct(
    { api: true, worker: true },
    {
      API_KEY_CACHE_SECONDS: String(CACHE_MS / 1000),
      API_KEY_ROTATION_GRACE_HOURS: String(GRACE_MS / 3_600_000),
    },
  );
  a = await createOrgWithKey(product.http, 'Keys Bank A', ['VISA']);
  b = await createOrgWithKey(product.http, 'Keys Bank B', ['VISA']);
  await onboardingClient(product.http).waitForEnvironments(a.orgId);
  const production = await product.http('POST', `/v1/orgs/${a.orgId}/api-keys`, {
    key: OPERATOR_KEY,
    json: { environment: 'PRODUCTION', name: 'live backend' },
  });
  expect(production.status, JSON.stringify(production.body)).toBe(201);
  aProduction = production.body.token;
}, 180_000);

afterAll(async () => {
  await product?.stop();
});

/** A fresh key of A's test environment, from the operator. */
async function issueTestKey(name = `ci-${randomUUID().slice(0, 8)}`) {
  const response = await product.http('POST', `/v1/orgs/${a.orgId}/api-keys`, {
    key: OPERATOR_KEY,
    json: { environment: 'TEST', name },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; token: string; name: string };
}

/** Every key's state, less when it was last used (which requests record). */
async function keyStates() {
  return product.prisma.apiKey.findMany({
    select: { id: true, name: true, revokedAt: true, expiresAt: true, replacedById: true },
    orderBy: { id: 'asc' },
  });
}

const works = async (key: string) => (await product.http('GET', '/v1/programs', { key })).status;

/** Every key of the org the caller sees, through all pages. */
async function listAll(orgId: string, key: string, query = '') {
  const items: any[] = [];
  let after: string | null = null;
  do {
    const cursor: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const response = await product.http(
      'GET',
      `/v1/orgs/${orgId}/api-keys?limit=2${query}${cursor}`,
      {
        key,
      },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    items.push(...response.body.items);
    after = response.body.next;
  } while (after);
  return items;
}

describe('GET /v1/orgs/:orgId/api-keys', () => {
  it('lists name, environment, prefix, state and dates, never a secret or its hash', async () => {
    const issued = await issueTestKey('listed');
    const response = await product.http('GET', `/v1/orgs/${a.orgId}/api-keys`, {
      key: OPERATOR_KEY,
    });
    expect(response.status).toBe(200);
    const listed = response.body.items.find((k: { id: string }) => k.id === issued.id);
    const [, kind, prefix, secret] = issued.token.split('_');
    expect(listed).toEqual({
      id: issued.id,
      name: 'listed',
      environment: { id: expect.any(String), kind: 'TEST' },
      prefix: `cie_${kind}_${prefix}`,
      state: 'ACTIVE',
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
      replacedBy: null,
    });
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(secret);
    const stored = await product.prisma.apiKey.findMany({ where: { orgId: a.orgId } });
    for (const key of stored) expect(text).not.toContain(key.secretHash);
  });

  it('pages oldest first with an opaque cursor, and refuses a cursor it did not make', async () => {
    const all = await listAll(a.orgId, OPERATOR_KEY);
    const created = all.map((k) => k.createdAt);
    expect(created).toEqual([...created].sort());
    expect(new Set(all.map((k) => k.id)).size).toBe(all.length);
    expectProblem(
      await product.http('GET', `/v1/orgs/${a.orgId}/api-keys?after=bm90LWEtY3Vyc29y`, {
        key: OPERATOR_KEY,
      }),
      400,
      'invalid_cursor',
    );
  });

  it("shows an org key its own environment's keys only; the operator both, filtered by environment on request", async () => {
    const test = await listAll(a.orgId, a.key);
    const production = await listAll(a.orgId, aProduction);
    const operator = await listAll(a.orgId, OPERATOR_KEY);
    expect(test.length).toBeGreaterThan(0);
    expect(test.every((k) => k.environment.kind === 'TEST')).toBe(true);
    expect(production.map((k) => k.name)).toEqual(['live backend']);
    expect(operator.map((k) => k.id).sort()).toEqual(
      [...test, ...production].map((k) => k.id).sort(),
    );
    const onlyProduction = await listAll(a.orgId, OPERATOR_KEY, '&environment=PRODUCTION');
    expect(onlyProduction.map((k) => k.id)).toEqual(production.map((k) => k.id));
    // A test key naming production sees nothing of it
    expect(await listAll(a.orgId, a.key, '&environment=PRODUCTION')).toEqual([]);
  });

  it("answers another org's key, and a missing org, 404", async () => {
    expectProblem(await product.http('GET', `/v1/orgs/${a.orgId}/api-keys`, { key: b.key }), 404);
    expectProblem(
      await product.http('GET', `/v1/orgs/${randomUUID()}/api-keys`, { key: OPERATOR_KEY }),
      404,
    );
  });

  it('records when a key was last used, without a write per request', async () => {
    const issued = await issueTestKey();
    expect(await works(issued.token)).toBe(200);
    const used = await eventually(async () => {
      const row = await product.prisma.apiKey.findUniqueOrThrow({ where: { id: issued.id } });
      return row.lastUsedAt ?? undefined;
    });
    // Within the cache period further requests neither read nor write the key.
    for (let i = 0; i < 5; i++) expect(await works(issued.token)).toBe(200);
    const row = await product.prisma.apiKey.findUniqueOrThrow({ where: { id: issued.id } });
    expect(row.lastUsedAt).toEqual(used);
    const listed = (await listAll(a.orgId, OPERATOR_KEY)).find((k) => k.id === issued.id);
    expect(listed.lastUsedAt).toBe(used.toISOString());
  });
});

describe('POST /v1/api-keys/:apiKeyId/revoke', () => {
  it('revokes the key, refused from then on within the cache bound; revoking again answers the same key', async () => {
    const issued = await issueTestKey();
    expect(await works(issued.token)).toBe(200);
    const revoked = await product.http('POST', `/v1/api-keys/${issued.id}/revoke`, {
      key: OPERATOR_KEY,
    });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ id: issued.id, state: 'REVOKED' });
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const again = await product.http('POST', `/v1/api-keys/${issued.id}/revoke`, {
      key: OPERATOR_KEY,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(revoked.body);
    const refused = await eventually(async () => {
      const response = await product.http('GET', '/v1/programs', { key: issued.token });
      return response.status === 401 ? response : undefined;
    }, KEY_CHANGE_SEEN_MS);
    expectProblem(refused, 401);
  });

  it("lets an org key revoke its own environment's keys, and nobody else's", async () => {
    const issued = await issueTestKey();
    const before = await keyStates();
    for (const key of [b.key, aProduction]) {
      expectProblem(await product.http('POST', `/v1/api-keys/${issued.id}/revoke`, { key }), 404);
    }
    expect(await keyStates()).toEqual(before);
    expect(await works(issued.token)).toBe(200);
    const own = await product.http('POST', `/v1/api-keys/${issued.id}/revoke`, { key: a.key });
    expect(own.status).toBe(200);
    expect(own.body.state).toBe('REVOKED');
  });
});

describe('POST /v1/api-keys/:apiKeyId/rotate', () => {
  it('issues a new key that works at once; the old one works through the grace period, then not', async () => {
    const old = await issueTestKey('rotated backend');
    expect(await works(old.token)).toBe(200);
    const rotated = await product.http('POST', `/v1/api-keys/${old.id}/rotate`, {
      key: OPERATOR_KEY,
    });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    const { apiKey, replaced } = rotated.body;
    expect(apiKey).toMatchObject({ name: 'rotated backend', state: 'ACTIVE', replacedBy: null });
    expect(apiKey.environment.kind).toBe('TEST');
    expect(apiKey.token).toMatch(/^cie_test_/);
    expect(replaced).toMatchObject({ id: old.id, state: 'ROTATING', replacedBy: apiKey.id });
    const graceEnd = Date.parse(replaced.expiresAt);
    expect(graceEnd - Date.now()).toBeLessThanOrEqual(GRACE_MS);

    expect(await works(apiKey.token)).toBe(200);
    if (Date.now() < graceEnd - 500) expect(await works(old.token)).toBe(200);
    await eventually(
      async () => ((await works(old.token)) === 401 ? true : undefined),
      GRACE_MS + KEY_CHANGE_SEEN_MS,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(graceEnd);
    expect(await works(apiKey.token)).toBe(200);

    const listed = (await listAll(a.orgId, OPERATOR_KEY)).find((k) => k.id === old.id);
    expect(listed.state).toBe('EXPIRED');
    // An expired key, or one already rotated, is not rotated again.
    expectProblem(
      await product.http('POST', `/v1/api-keys/${old.id}/rotate`, { key: OPERATOR_KEY }),
      409,
    );
  });

  it('refuses a second rotation of a key in its grace period, naming its successor, and a revoked key', async () => {
    const old = await issueTestKey();
    const first = await product.http('POST', `/v1/api-keys/${old.id}/rotate`, {
      key: OPERATOR_KEY,
    });
    expect(first.status).toBe(201);
    const second = await product.http('POST', `/v1/api-keys/${old.id}/rotate`, {
      key: OPERATOR_KEY,
    });
    expectProblem(second, 409);
    expect(second.body.detail).toContain(first.body.apiKey.id);

    const revoked = await issueTestKey();
    await product.http('POST', `/v1/api-keys/${revoked.id}/revoke`, { key: OPERATOR_KEY });
    expectProblem(
      await product.http('POST', `/v1/api-keys/${revoked.id}/rotate`, { key: OPERATOR_KEY }),
      409,
    );
  });

  it('answers a retry with the same Idempotency-Key with the same new key, also after a crash', async () => {
    const old = await issueTestKey();
    const idempotencyKey = `rotate-${randomUUID()}`;
    const send = () =>
      product.http('POST', `/v1/api-keys/${old.id}/rotate`, {
        key: OPERATOR_KEY,
        headers: { 'Idempotency-Key': idempotencyKey },
      });
    const first = await send();
    expect(first.status).toBe(201);
    const replayed = await send();
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(first.body);
    const stored = await product.prisma.idempotencyRecord.findFirstOrThrow({
      where: { key: idempotencyKey },
    });
    expect(JSON.stringify(stored.responseBody)).not.toContain(
      first.body.apiKey.token.split('_').at(-1),
    );

    // As a crash between the commit and the stored response leaves it
    await product.prisma.idempotencyRecord.updateMany({
      where: { key: idempotencyKey },
      data: { completedAt: null, responseStatus: null, leaseExpiresAt: new Date(Date.now() - 1) },
    });
    const retry = await send();
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.apiKey.id).toBe(first.body.apiKey.id);
    expect(retry.body.apiKey.token).toBe(first.body.apiKey.token);
    expect(
      await product.prisma.apiKey.count({ where: { replacedById: null, name: old.name } }),
    ).toBe(1);
    expect(await works(retry.body.apiKey.token)).toBe(200);
  });

  it('is the operator’s: an org key may not rotate, not even its own', async () => {
    const issued = await issueTestKey();
    expectProblem(
      await product.http('POST', `/v1/api-keys/${issued.id}/rotate`, { key: issued.token }),
      403,
    );
    expectProblem(
      await product.http('POST', `/v1/api-keys/${randomUUID()}/rotate`, { key: OPERATOR_KEY }),
      404,
    );
  });
});

describe('hostile input', () => {
  it('refuses NUL, wrong types, unknown fields and foreign ids, changing nothing', async () => {
    const issued = await issueTestKey();
    // Keys record their use; nothing else may move.
    const before = await databaseFingerprint(product.prisma, { except: ['ApiKey'] });
    const keys = await keyStates();
    const cases: [string, string, unknown, number, string?][] = [
      ['POST', `/v1/api-keys/${issued.id}%00/revoke`, undefined, 400],
      ['POST', `/v1/api-keys/not-a-uuid/revoke`, undefined, 400, 'invalid_uuid'],
      ['POST', `/v1/api-keys/${issued.id}/revoke`, { reason: 'x' }, 400, 'unknown_field'],
      ['POST', `/v1/api-keys/${issued.id}/rotate`, { name: 'x\u0000' }, 400],
      ['POST', `/v1/api-keys/${issued.id}/rotate`, [1, 2], 400],
      ['GET', `/v1/orgs/${a.orgId}/api-keys?limit=abc`, undefined, 400, 'invalid_type'],
      ['GET', `/v1/orgs/${a.orgId}/api-keys?limit=0`, undefined, 400, 'too_small'],
      ['GET', `/v1/orgs/${a.orgId}/api-keys?environment=STAGING`, undefined, 400, 'invalid_value'],
      ['GET', `/v1/orgs/${a.orgId}/api-keys?environment=TEST%00`, undefined, 400],
      ['GET', `/v1/orgs/${a.orgId}/api-keys?owner=1`, undefined, 400, 'unknown_field'],
      ['GET', `/v1/orgs/${a.orgId}%00/api-keys`, undefined, 400],
      ['POST', `/v1/api-keys/${randomUUID()}/revoke`, undefined, 404],
      ['POST', `/v1/api-keys/${a.orgId}/revoke`, undefined, 404],
    ];
    for (const [method, path, json, status, rule] of cases) {
      const response = await product.http(method, path, { key: OPERATOR_KEY, json });
      expectProblem(response, status, rule);
    }
    expect(await databaseFingerprint(product.prisma, { except: ['ApiKey'] })).toBe(before);
    expect(await keyStates()).toEqual(keys);
  });
});
