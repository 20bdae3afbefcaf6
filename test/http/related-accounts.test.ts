import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccount,
  createOrgWithKey,
  startTestProduct,
  type TestProduct,
  expectProblem,
} from '../support/harness.js';

let product: TestProduct;
let key: string;
let otherKey: string;

beforeAll(async () => {
  product = await startTestProduct({ api: true, worker: false });
  key = (await createOrgWithKey(product.http, 'Hierarchy Bank')).key;
  otherKey = (await createOrgWithKey(product.http, 'Elsewhere Bank')).key;
});
afterAll(async () => {
  await product?.stop();
});

const link = (accountId: string, parentAccountId: string, k = key) =>
  product.http('PUT', `/v1/accounts/${accountId}/parent`, { key: k, json: { parentAccountId } });
const cashIn = (accountId: string, amount: number) =>
  product.http('POST', `/v1/accounts/${accountId}/transactions`, {
    key,
    json: { type: 'CASH_IN', amount, currency: 'BRL' },
  });
const related = (accountId: string) =>
  product.http('GET', `/v1/accounts/${accountId}/related`, { key });

describe('related accounts', () => {
  it('shows the parent and exactly its NORMAL children and grandchildren with balances and limits', async () => {
    const parent = (await createAccount(product.http, key)).accountId;
    const [childA, childB, childBlocked] = await Promise.all(
      [1, 2, 3].map(async () => (await createAccount(product.http, key)).accountId),
    );
    const [grandA1, grandA2, grandCancelled] = await Promise.all(
      [1, 2, 3].map(async () => (await createAccount(product.http, key)).accountId),
    );
    const greatGrand = (await createAccount(product.http, key)).accountId;
    for (const child of [childA!, childB!, childBlocked!])
      expect((await link(child, parent)).status).toBe(200);
    for (const grand of [grandA1!, grandA2!, grandCancelled!])
      expect((await link(grand, childA!)).status).toBe(200);
    expect((await link(greatGrand, grandA1!)).status).toBe(200);
    await product.http('PATCH', `/v1/accounts/${childBlocked}/status`, {
      key,
      json: { status: 'BLOCKED' },
    });
    await product.http('PATCH', `/v1/accounts/${grandCancelled}/status`, {
      key,
      json: { status: 'CANCELLED' },
    });
    await cashIn(parent, 10_000);
    await cashIn(childA!, 2_500);
    await cashIn(grandA2!, 700);

    const overview = await related(parent);
    expect(overview.status).toBe(200);
    expect(overview.body.account).toMatchObject({
      id: parent,
      balance: 10_000,
      creditLimit: 0,
      availableToSpend: 10_000,
      currency: 'BRL',
    });
    expect(overview.body.children.map((c: { id: string }) => c.id).sort()).toEqual(
      [childA, childB].sort(),
    );
    expect(overview.body.grandchildren.map((c: { id: string }) => c.id).sort()).toEqual(
      [grandA1, grandA2].sort(),
    );
    expect(overview.body.children.find((c: { id: string }) => c.id === childA)).toMatchObject({
      balance: 2_500,
      parentAccountId: parent,
    });
    expect(overview.body.grandchildren.find((c: { id: string }) => c.id === grandA2)).toMatchObject(
      { balance: 700, parentAccountId: childA },
    );
  });

  it('refuses a cycle, a cancelled parent and a parent of another org, and unlinks', async () => {
    const a = (await createAccount(product.http, key)).accountId;
    const b = (await createAccount(product.http, key)).accountId;
    const c = (await createAccount(product.http, key)).accountId;
    await link(b, a);
    await link(c, b);
    expectProblem(await link(a, c), 400, 'cycle');
    expectProblem(await link(a, a), 400, 'cycle');
    const cancelled = (await createAccount(product.http, key)).accountId;
    await product.http('PATCH', `/v1/accounts/${cancelled}/status`, {
      key,
      json: { status: 'CANCELLED' },
    });
    expectProblem(await link(a, cancelled), 400, 'parent_cancelled');
    const foreign = (await createAccount(product.http, otherKey)).accountId;
    expectProblem(await link(a, foreign), 400, 'unknown_account');
    expect(
      (await product.http('GET', `/v1/accounts/${a}`, { key })).body.parentAccountId,
    ).toBeNull();

    const unlinked = await product.http('DELETE', `/v1/accounts/${c}/parent`, { key });
    expect(unlinked.body.parentAccountId).toBeNull();
    expect((await related(b)).body.children).toEqual([]);
    expectProblem(await product.http('GET', `/v1/accounts/${a}/related`, { key: otherKey }), 404);
  });
});

describe('account customers', () => {
  it('makes a joint account with two customers and never a second holder', async () => {
    const { accountId } = await createAccount(product.http, key);
    const added = await product.http('POST', `/v1/accounts/${accountId}/customers`, {
      key,
      json: {
        customer: {
          person: {
            name: 'Carla Lima',
            documentNumber: '444.333.222-11',
            contacts: [{ type: 'PHONE', value: '+55 81 99999-0000' }],
          },
        },
      },
    });
    expect(added.status).toBe(201);
    const listed = await product.http('GET', `/v1/accounts/${accountId}/customers`, { key });
    expect(listed.body.items.map((i: { role: string }) => i.role)).toEqual([
      'HOLDER',
      'ADDITIONAL',
    ]);
    const customerId: string = added.body.customer.id;
    const theirs = await product.http('GET', `/v1/customers/${customerId}/accounts`, { key });
    expect(theirs.body.items).toEqual([expect.objectContaining({ accountId, role: 'ADDITIONAL' })]);

    const before = await product.prisma.accountCustomer.count({ where: { accountId } });
    expectProblem(
      await product.http('POST', `/v1/accounts/${accountId}/customers`, {
        key,
        json: { customerId, role: 'HOLDER' },
      }),
      409,
    );
    expectProblem(
      await product.http('POST', `/v1/accounts/${accountId}/customers`, {
        key,
        json: { customerId },
      }),
      409,
    );
    expectProblem(
      await product.http('POST', `/v1/accounts/${accountId}/customers`, {
        key,
        json: { customer: { person: { name: 'X', documentNumber: '!!' } } },
      }),
      400,
    );
    expectProblem(await product.http('GET', `/v1/customers/${customerId}`, { key: otherKey }), 404);
    expect(await product.prisma.accountCustomer.count({ where: { accountId } })).toBe(before);
  });
});

describe('concurrent links', () => {
  /** Accounts whose parent chain comes back to them. */
  async function accountsInCycles(): Promise<string[]> {
    const rows = await product.prisma.$queryRaw<{ id: string }[]>`
      WITH RECURSIVE up(start, id, steps) AS (
        SELECT a.id, a."parentAccountId", 1 FROM "Account" a WHERE a."parentAccountId" IS NOT NULL
        UNION ALL
        SELECT up.start, a."parentAccountId", up.steps + 1 FROM up JOIN "Account" a ON a.id = up.id
        WHERE a."parentAccountId" IS NOT NULL AND up.steps < 50 AND up.id <> up.start
      )
      SELECT DISTINCT start AS id FROM up WHERE id = start`;
    return rows.map((row) => row.id);
  }
  const fresh = (n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => (await createAccount(product.http, key)).accountId),
    );
  // Makes the org's program, which the accounts made at once by `fresh` would race to make
  beforeAll(() => createAccount(product.http, key));

  it('in opposite directions: one wins, the other is a cycle refusal, never a 5xx or a deadlock', async () => {
    for (let round = 0; round < 15; round++) {
      const [a, b] = (await fresh(2)) as [string, string];
      const responses = await Promise.all([link(a, b), link(b, a)]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(responses.find((r) => r.status === 400)!.body.errors).toContainEqual(
        expect.objectContaining({ rule: 'cycle' }),
      );
    }
    expect(await accountsInCycles()).toEqual([]);
  });

  it('that would close a cycle of four only together: at most one succeeds', async () => {
    for (let round = 0; round < 10; round++) {
      // b under a, d under c; then a under d and c under b at once would make a → d → c → b → a
      const [a, b, c, d] = (await fresh(4)) as [string, string, string, string];
      expect((await link(b, a)).status).toBe(200);
      expect((await link(d, c)).status).toBe(200);
      const responses = await Promise.all([link(a, d), link(c, b)]);
      for (const response of responses) expect([200, 400]).toContain(response.status);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    }
    expect(await accountsInCycles()).toEqual([]);
  });

  describe('on a database without advisory locks (as distributed engines are)', () => {
    const advisoryLockFunctions = (grant: 'GRANT' | 'REVOKE') =>
      product.prisma.$executeRawUnsafe(`DO $$
        DECLARE f regprocedure;
        BEGIN
          FOR f IN SELECT oid::regprocedure FROM pg_proc WHERE proname LIKE 'pg%advisory%' LOOP
            EXECUTE format('${grant} EXECUTE ON FUNCTION %s ${grant === 'GRANT' ? 'TO' : 'FROM'} PUBLIC', f);
          END LOOP;
        END $$`);
    beforeAll(async () => {
      await advisoryLockFunctions('REVOKE');
    });
    afterAll(() => advisoryLockFunctions('GRANT'));

    it('links still run one at a time: never a cycle, never a 5xx', async () => {
      for (let round = 0; round < 5; round++) {
        const [a, b, c, d] = (await fresh(4)) as [string, string, string, string];
        const opposite = await Promise.all([link(a, b), link(b, a)]);
        expect(opposite.map((r) => r.status).sort()).toEqual([200, 400]);
        // c under d, then d under b and b under c at once would make b → c → d → b
        expect((await link(c, d)).status).toBe(200);
        const together = await Promise.all([link(d, b), link(b, c)]);
        for (const response of together) expect([200, 400]).toContain(response.status);
        expect(together.filter((r) => r.status === 200)).toHaveLength(1);
      }
      expect(await accountsInCycles()).toEqual([]);
    });
  });
});
