import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../common/temporal-names.js';
import type { accountTemporaryBlock } from '../../workflows/account-temporary-block.js';
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
  product = await startTestProduct();
  key = (await createOrgWithKey(product.http, 'Acme')).key;
  otherKey = (await createOrgWithKey(product.http, 'Beta')).key;
});
afterAll(async () => {
  await product?.stop();
});

const get = (accountId: string, k = key) =>
  product.http('GET', `/v1/accounts/${accountId}`, { key: k });
const setStatus = (
  accountId: string,
  json: object,
  headers: Record<string, string> = {},
  k = key,
) => product.http('PATCH', `/v1/accounts/${accountId}/status`, { key: k, json, headers });
const rollback = (accountId: string, json: object = {}, headers: Record<string, string> = {}) =>
  product.http('POST', `/v1/accounts/${accountId}/status/rollback`, { key, json, headers });
const move = (
  accountId: string,
  type: 'CASH_IN' | 'CASH_OUT',
  amount: unknown,
  headers: Record<string, string> = {},
  currency = 'BRL',
) =>
  product.http('POST', `/v1/accounts/${accountId}/transactions`, {
    key,
    json: { type, amount, currency },
    headers,
  });
const history = async (accountId: string) =>
  (await product.http('GET', `/v1/accounts/${accountId}/status-history?limit=200`, { key })).body
    .items as {
    id: string;
    kind: string;
    from: string;
    to: string;
    by: string;
    reason: { id: string; code: string } | null;
    description: string | null;
    blockedUntil: string | null;
    requestId: string | null;
    at: string;
    restores: string | null;
  }[];
/** A new status reason of the org, for the statuses named. */
const newReason = async (code: string, appliesTo: string[]) => {
  const created = await product.http('POST', '/v1/account-status-reasons', {
    key,
    json: { code, description: code.toLowerCase().replaceAll('_', ' '), appliesTo },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; code: string };
};

/** Balance, version and audit length: what a refused command must leave unchanged. */
async function footprint(accountId: string) {
  const account = (await get(accountId)).body;
  return {
    status: account.status,
    balance: account.balance,
    version: account.version,
    audit: (await history(accountId)).length,
  };
}

/** Cash-in then cash-out of 1 minor unit; true where each was accepted. */
async function operations(accountId: string) {
  const cashIn = await move(accountId, 'CASH_IN', 1);
  const cashOut = await move(accountId, 'CASH_OUT', 1);
  for (const r of [cashIn, cashOut]) if (r.status !== 201) expectProblem(r, 409);
  return { cashIn: cashIn.status === 201, cashOut: cashOut.status === 201 };
}

describe('accounts', () => {
  it('creates an account NORMAL, with its holder, an ETag, and what it may do now', async () => {
    const { accountId, programId } = await createAccount(product.http, key);
    const response = await get(accountId);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.body).toMatchObject({
      id: accountId,
      programId,
      status: 'NORMAL',
      currency: 'BRL',
      balance: 0,
      version: 1,
      statusReason: null,
      allowedOperations: { cashIn: true, cashOut: true },
      holder: { kind: 'PERSON', name: 'Maria Silva' },
    });
    expect(response.body.allowedTransitions).toEqual([
      { event: 'BLOCK', to: 'BLOCKED' },
      { event: 'CANCEL', to: 'CANCELLED' },
    ]);
  });

  it('refuses an owner that is both a person and a company, or neither, and writes nothing', async () => {
    const { programId } = await createAccount(product.http, key);
    const before = await product.prisma.account.count();
    const both = await product.http('POST', '/v1/accounts', {
      key,
      json: {
        programId,
        owner: {
          person: { name: 'A', documentNumber: 'P-001' },
          company: { legalName: 'B', documentNumber: 'C-001' },
        },
      },
    });
    expectProblem(both, 400);
    const neither = await product.http('POST', '/v1/accounts', {
      key,
      json: { programId, owner: {} },
    });
    expectProblem(neither, 400);
    expect(await product.prisma.account.count()).toBe(before);
  });
});

describe('status lifecycle over HTTP', () => {
  it('follows every path the seed allows, with cash-in/cash-out matching the status at each step', async () => {
    const { accountId } = await createAccount(product.http, key);
    await move(accountId, 'CASH_IN', 1000);
    expect(await operations(accountId)).toEqual({ cashIn: true, cashOut: true });

    expect((await setStatus(accountId, { status: 'BLOCKED' })).body.status).toBe('BLOCKED');
    expect(await operations(accountId)).toEqual({ cashIn: true, cashOut: false });
    const refusedCashOut = await move(accountId, 'CASH_OUT', 1);
    expect(refusedCashOut.body).toMatchObject({ currentStatus: 'BLOCKED', operation: 'CASH_OUT' });
    expect(refusedCashOut.body.detail).toContain('BLOCKED');

    expect((await setStatus(accountId, { status: 'NORMAL' })).body.status).toBe('NORMAL');
    expect(await operations(accountId)).toEqual({ cashIn: true, cashOut: true });

    await setStatus(accountId, { status: 'BLOCKED' });
    const cancelled = await setStatus(accountId, { status: 'CANCELLED' });
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      allowedOperations: { cashIn: false, cashOut: false },
    });
    expect(
      cancelled.body.allowedTransitions.every((t: { event: string }) => t.event === 'ROLLBACK'),
    ).toBe(true);
    expect(await operations(accountId)).toEqual({ cashIn: false, cashOut: false });

    // rollback restores the status before cancellation: BLOCKED
    const restored = await rollback(accountId);
    expect(restored.status).toBe(200);
    expect(restored.body.status).toBe('BLOCKED');
    expect(await operations(accountId)).toEqual({ cashIn: true, cashOut: false });

    await setStatus(accountId, { status: 'NORMAL' });
    await setStatus(accountId, { status: 'CANCELLED' });
    expect((await rollback(accountId)).body.status).toBe('NORMAL');
    await setStatus(accountId, { status: 'CANCELLED' });
    expect((await rollback(accountId, { status: 'BLOCKED' })).body.status).toBe('BLOCKED');

    const steps = await history(accountId);
    expect(steps.map((s) => `${s.kind}:${s.from}->${s.to}`)).toEqual([
      'CHANGE:NORMAL->BLOCKED',
      'CHANGE:BLOCKED->NORMAL',
      'CHANGE:NORMAL->BLOCKED',
      'CHANGE:BLOCKED->CANCELLED',
      'ROLLBACK:CANCELLED->BLOCKED',
      'CHANGE:BLOCKED->NORMAL',
      'CHANGE:NORMAL->CANCELLED',
      'ROLLBACK:CANCELLED->NORMAL',
      'CHANGE:NORMAL->CANCELLED',
      'ROLLBACK:CANCELLED->BLOCKED',
    ]);
  });

  it('refuses every path the seed forbids with a 409 naming the allowed ones, changing nothing', async () => {
    const { accountId } = await createAccount(product.http, key);
    await move(accountId, 'CASH_IN', 500);

    let before = await footprint(accountId);
    const same = await setStatus(accountId, { status: 'NORMAL' });
    expectProblem(same, 409);
    expect(same.body.allowedTransitions).toEqual([
      { event: 'BLOCK', to: 'BLOCKED' },
      { event: 'CANCEL', to: 'CANCELLED' },
    ]);
    expectProblem(await rollback(accountId), 409);
    expect(await footprint(accountId)).toEqual(before);

    await setStatus(accountId, { status: 'CANCELLED' });
    before = await footprint(accountId);
    for (const status of ['NORMAL', 'BLOCKED', 'CANCELLED']) {
      const refused = await setStatus(accountId, { status });
      expectProblem(refused, 409);
      expect(refused.body.currentStatus).toBe('CANCELLED');
    }
    expectProblem(await move(accountId, 'CASH_IN', 1), 409);
    expectProblem(await rollback(accountId, { status: 'CANCELLED' }), 400);
    const unknown = await setStatus(accountId, { status: 'FROZEN' });
    expectProblem(unknown, 400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'body.status' });
    expect(await footprint(accountId)).toEqual(before);
  });

  it('records who, when, from, to, reason, description and request id for each change', async () => {
    const { accountId } = await createAccount(product.http, key);
    const reason = await product.http('POST', '/v1/account-status-reasons', {
      key,
      json: {
        code: 'COURT_ORDER_SP',
        description: 'Blocked by a court order',
        appliesTo: ['BLOCKED'],
      },
    });
    expect(reason.status).toBe(201);
    const requestedAt = Date.now();
    const changed = await setStatus(
      accountId,
      { status: 'BLOCKED', reasonId: reason.body.id, description: 'Case 123' },
      { 'x-request-id': 'req-audit-1' },
    );
    expect(changed.body.statusReason).toMatchObject({ id: reason.body.id, code: 'COURT_ORDER_SP' });
    const [entry] = await history(accountId);
    expect(entry).toMatchObject({
      kind: 'CHANGE',
      from: 'NORMAL',
      to: 'BLOCKED',
      reason: { id: reason.body.id, code: 'COURT_ORDER_SP' },
      description: 'Case 123',
      requestId: 'req-audit-1',
      by: expect.stringMatching(/^api-key:/),
    });
    // When: during the request
    expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(requestedAt);
    expect(Date.parse(entry!.at)).toBeLessThanOrEqual(Date.now());
  });
});

describe('rollback', () => {
  it('restores a block as it was: its reason and description, and no end it never had', async () => {
    const { accountId } = await createAccount(product.http, key);
    const skimmed = await newReason('CARD_SKIMMED', ['BLOCKED']);
    const court = await newReason('CLOSED_BY_COURT', ['CANCELLED']);
    const block = {
      status: 'BLOCKED',
      reasonId: skimmed.id,
      description: 'Card skimmed at an ATM',
    };
    expect((await setStatus(accountId, block)).status).toBe(200);
    const [blockEntry] = await history(accountId);
    const cancel = { status: 'CANCELLED', reasonId: court.id, description: 'Ordered closed' };
    expect((await setStatus(accountId, cancel)).status).toBe(200);

    const restored = await rollback(accountId);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({
      status: 'BLOCKED',
      statusReason: { id: skimmed.id, code: 'CARD_SKIMMED' },
      statusDescription: 'Card skimmed at an ATM',
      blockedUntil: null,
    });
    expect((await history(accountId)).at(-1)).toMatchObject({
      kind: 'ROLLBACK',
      to: 'BLOCKED',
      reason: { code: 'CARD_SKIMMED' },
      description: 'Card skimmed at an ATM',
      blockedUntil: null,
      restores: blockEntry!.id,
    });

    // A description given with the rollback replaces the restored one; the reason stays
    await setStatus(accountId, cancel);
    const described = await rollback(accountId, { description: 'Reopened by the court' });
    expect(described.body).toMatchObject({
      status: 'BLOCKED',
      statusReason: { code: 'CARD_SKIMMED' },
      statusDescription: 'Reopened by the court',
    });
    // A rollback to another status than the one cancelled from starts it afresh
    await setStatus(accountId, cancel);
    const normal = await rollback(accountId, { status: 'NORMAL' });
    expect(normal.body).toMatchObject({ status: 'NORMAL', statusReason: null });
    expect((await history(accountId)).at(-1)).toMatchObject({ kind: 'ROLLBACK', restores: null });
  });

  it('ends a restored temporary block at once when its end passed while the account was cancelled', async () => {
    const { accountId } = await createAccount(product.http, key);
    const chargeback = await newReason('CHARGEBACK', ['BLOCKED']);
    const block = {
      status: 'BLOCKED',
      reasonId: chargeback.id,
      description: 'Chargeback under review',
      until: new Date(Date.now() + 3_600_000).toISOString(),
    };
    expect((await setStatus(accountId, block)).status).toBe(200);
    expect((await setStatus(accountId, { status: 'CANCELLED' })).status).toBe(200);
    const [blockEntry, cancelEntry] = await history(accountId);
    expect(cancelEntry).toMatchObject({ from: 'BLOCKED', to: 'CANCELLED' });
    // The block's end passes while the account is cancelled: its entry is moved into the past
    // (past the audit table's append-only trigger, as only a fixture may) instead of waiting.
    const until = new Date(Date.now() - 1000);
    await product.prisma.$transaction([
      product.prisma.$executeRaw`SET LOCAL session_replication_role = replica`,
      product.prisma.$executeRaw`UPDATE "AccountStatusChange" SET "blockedUntil" = ${until}
        WHERE id = ${BigInt(blockEntry!.id)}`,
    ]);

    const rolledBack = await rollback(accountId);
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({
      status: 'NORMAL',
      blockedUntil: null,
      statusReason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
      version: 5,
    });
    expect(rolledBack.headers.get('etag')).toBe('"v5"');
    const steps = await history(accountId);
    expect(steps.slice(2)).toMatchObject([
      {
        kind: 'ROLLBACK',
        from: 'CANCELLED',
        to: 'BLOCKED',
        reason: { id: chargeback.id },
        description: 'Chargeback under review',
        blockedUntil: until.toISOString(),
        restores: blockEntry!.id,
      },
      {
        kind: 'AUTOMATIC_UNBLOCK',
        from: 'BLOCKED',
        to: 'NORMAL',
        by: 'system',
        reason: { code: 'TEMPORARY_BLOCK_EXPIRED' },
        restores: null,
      },
    ]);
    const events = await product.prisma.event.findMany({
      where: { subjectId: accountId, type: { not: 'account.created' } },
      orderBy: { sequence: 'asc' },
    });
    expect(events.map((e) => e.type)).toEqual([
      'account.status_changed',
      'account.status_changed',
      'account.status_rolled_back',
      'account.temporary_block_lifted',
    ]);
    expect(events[2]!.payload).toMatchObject({
      to: 'BLOCKED',
      reason: { id: chargeback.id },
      description: 'Chargeback under review',
      blockedUntil: until.toISOString(),
    });
    // The timer the rollback armed as a safety net finds the block already lifted
    const timer = product.temporal.workflow.getHandle<typeof accountTemporaryBlock>(
      workflowIds.accountTemporaryBlock(accountId, until),
    );
    expect(['unblocked', 'skipped']).toContain(await timer.result());
    expect(await history(accountId)).toHaveLength(4);
    expect((await get(accountId)).body).toMatchObject({ status: 'NORMAL', version: 5 });
  });
});

describe('status reasons', () => {
  it('are created, listed and fetched per org, and checked on every change', async () => {
    const fraud = await product.http('POST', '/v1/account-status-reasons', {
      key,
      json: {
        code: 'FRAUD_ATTEMPT',
        description: 'Fraud attempt',
        appliesTo: ['BLOCKED', 'CANCELLED'],
      },
    });
    expect(fraud.status).toBe(201);
    expect(fraud.body).toMatchObject({
      id: expect.any(String),
      code: 'FRAUD_ATTEMPT',
      appliesTo: ['BLOCKED', 'CANCELLED'],
    });
    expect(
      (await product.http('GET', `/v1/account-status-reasons/${fraud.body.id}`, { key })).body.code,
    ).toBe('FRAUD_ATTEMPT');
    const listed = await product.http('GET', '/v1/account-status-reasons', { key });
    expect(listed.body.items.map((r: { code: string }) => r.code)).toContain('FRAUD_ATTEMPT');
    expectProblem(
      await product.http('GET', `/v1/account-status-reasons/${fraud.body.id}`, { key: otherKey }),
      404,
    );
    expectProblem(
      await product.http('POST', '/v1/account-status-reasons', {
        key,
        json: { code: 'FRAUD_ATTEMPT', description: 'again' },
      }),
      409,
    );
    expectProblem(
      await product.http('POST', '/v1/account-status-reasons', {
        key,
        json: { code: 'X', description: 'd'.repeat(501) },
      }),
      400,
    );

    const { accountId } = await createAccount(product.http, key);
    const foreign = await product.http('POST', '/v1/account-status-reasons', {
      key: otherKey,
      json: { code: 'OTHER_ORG', description: 'Belongs to another org' },
    });
    const before = await footprint(accountId);
    const cases: [object, string][] = [
      [{ status: 'NORMAL', reasonId: fraud.body.id }, 'reason_not_applicable'],
      [{ status: 'BLOCKED', reasonId: crypto.randomUUID() }, 'unknown_reason'],
      [{ status: 'BLOCKED', reasonId: foreign.body.id }, 'unknown_reason'],
    ];
    await setStatus(accountId, { status: 'BLOCKED', reasonId: fraud.body.id });
    const afterBlock = await footprint(accountId);
    for (const [body, rule] of cases) {
      const refused = await setStatus(accountId, body);
      expectProblem(refused, 400);
      expect(refused.body.errors).toContainEqual(
        expect.objectContaining({ field: 'body.reasonId', rule }),
      );
    }
    expect(await footprint(accountId)).toEqual(afterBlock);
    expect(afterBlock.audit).toBe(before.audit + 1);
  });

  it('are required for a target status when the org says so', async () => {
    const { key: ownKey } = await createOrgWithKey(product.http, 'Strict Bank');
    const settings = await product.http('PATCH', '/v1/settings', {
      key: ownKey,
      json: { statusReasonRequiredFor: ['CANCELLED'] },
    });
    expect(settings.body).toEqual({ statusReasonRequiredFor: ['CANCELLED'] });
    const { accountId } = await createAccount(product.http, ownKey);
    const refused = await setStatus(accountId, { status: 'CANCELLED' }, {}, ownKey);
    expectProblem(refused, 400);
    expect(refused.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body.reasonId', rule: 'reason_required' }),
    );
    expect((await setStatus(accountId, { status: 'BLOCKED' }, {}, ownKey)).status).toBe(200);
    const reason = await product.http('POST', '/v1/account-status-reasons', {
      key: ownKey,
      json: { code: 'CLOSED_BY_CLIENT', description: 'Client closed it' },
    });
    expect(
      (await setStatus(accountId, { status: 'CANCELLED', reasonId: reason.body.id }, {}, ownKey))
        .status,
    ).toBe(200);
  });
});

describe('versions and concurrency', () => {
  it('applies a change only on the version named in If-Match', async () => {
    const { accountId } = await createAccount(product.http, key);
    const stale = await setStatus(accountId, { status: 'BLOCKED' }, { 'if-match': '"v7"' });
    expectProblem(stale, 412);
    expect(stale.body).toMatchObject({ currentVersion: 1, etag: '"v1"' });
    expectProblem(await setStatus(accountId, { status: 'BLOCKED' }, { 'if-match': 'v1' }), 400);
    expect((await footprint(accountId)).version).toBe(1);
    const ok = await setStatus(accountId, { status: 'BLOCKED' }, { 'if-match': '"v1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"v2"');
  });

  it('lets exactly one of many racing changes from the same version win', async () => {
    const { accountId } = await createAccount(product.http, key);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        setStatus(accountId, { status: i % 2 ? 'BLOCKED' : 'CANCELLED' }, { 'if-match': '"v1"' }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(9);
    expect(await history(accountId)).toHaveLength(1);
  });

  it('keeps a gapless, unforked audit chain under 50 concurrent conflicting changes', async () => {
    const { accountId } = await createAccount(product.http, key);
    const targets = ['BLOCKED', 'NORMAL', 'CANCELLED', 'BLOCKED', 'NORMAL'];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 10 === 9
          ? rollback(accountId)
          : setStatus(accountId, { status: targets[i % targets.length] }),
      ),
    );
    for (const r of responses) expect([200, 409]).toContain(r.status);
    // A change that lost a race is decided again on the latest state, never answered "retry".
    for (const r of responses.filter((r) => r.status === 409))
      expect(r.body.type).toBe('/problems/transition-not-allowed');
    const applied = responses.filter((r) => r.status === 200).length;
    const chain = await history(accountId);
    expect(chain).toHaveLength(applied);
    expect(chain[0]?.from).toBe('NORMAL');
    for (let i = 1; i < chain.length; i++)
      expect(chain[i]!.from, `entry ${i}`).toBe(chain[i - 1]!.to);
    const final = await get(accountId);
    expect(final.body.status).toBe(chain.at(-1)?.to ?? 'NORMAL');
    expect(final.body.version).toBe(1 + applied);
  });
});

describe('cash-in and cash-out', () => {
  it('moves money once for a retried Idempotency-Key and refuses the key for another body', async () => {
    const { accountId } = await createAccount(product.http, key);
    const first = await move(accountId, 'CASH_IN', 2500, { 'idempotency-key': 'deposit-1' });
    const retry = await move(accountId, 'CASH_IN', 2500, { 'idempotency-key': 'deposit-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.transaction.id).toBe(first.body.transaction.id);
    expectProblem(await move(accountId, 'CASH_IN', 9999, { 'idempotency-key': 'deposit-1' }), 422);
    const concurrent = await Promise.all(
      Array.from({ length: 8 }, () =>
        move(accountId, 'CASH_IN', 100, { 'idempotency-key': 'deposit-2' }),
      ),
    );
    for (const r of concurrent) expect([201, 409]).toContain(r.status);
    expect((await get(accountId)).body.balance).toBe(2600);
    expect(await product.prisma.accountTransaction.count({ where: { accountId } })).toBe(2);
  });

  it('refuses bad amounts, another currency and overdrafts, leaving the balance alone', async () => {
    const { accountId } = await createAccount(product.http, key);
    await move(accountId, 'CASH_IN', 300);
    const before = await footprint(accountId);
    const cases: [unknown, string, string][] = [
      [-5, 'BRL', 'body.amount'],
      [0, 'BRL', 'body.amount'],
      [10.5, 'BRL', 'body.amount'],
      ['100', 'BRL', 'body.amount'],
      [100, 'USD', 'body.currency'],
    ];
    for (const [amount, currency, field] of cases) {
      const refused = await move(accountId, 'CASH_IN', amount, {}, currency);
      expectProblem(refused, 400);
      expect(refused.body.errors).toContainEqual(expect.objectContaining({ field }));
    }
    const overdraft = await move(accountId, 'CASH_OUT', 301);
    expectProblem(overdraft, 422);
    expect(await footprint(accountId)).toEqual(before);
    expect((await move(accountId, 'CASH_OUT', 300)).body.account.balance).toBe(0);
  });
});

describe('large amounts', () => {
  it('keep every figure exact up to the largest balance, and refuse a cash-in past it, writing nothing', async () => {
    const { accountId } = await createAccount(product.http, key);
    // 99 cash-ins of the largest amount; the 100th brings the account to 10^15 minor units
    const nearlyFull = 10n ** 15n - 10n ** 13n - 3n;
    await product.prisma.account.update({
      where: { id: accountId },
      data: { balance: nearlyFull },
    });
    const topUp = await move(accountId, 'CASH_IN', 10 ** 13);
    expect(topUp.status).toBe(201);
    expect(topUp.body.account.balance).toBe(999_999_999_999_997);
    const full = await move(accountId, 'CASH_IN', 3);
    expect(full.status).toBe(201);
    expect(full.body.transaction.balanceAfter).toBe(10 ** 15);
    expect(full.body.account).toMatchObject({ balance: 10 ** 15, availableToSpend: 10 ** 15 });
    const before = await footprint(accountId);
    const past = await move(accountId, 'CASH_IN', 1);
    expectProblem(past, 400, 'balance_limit');
    expect(await footprint(accountId)).toEqual(before);
    const ledger = await product.prisma.accountTransaction.findMany({
      where: { accountId },
      orderBy: { createdAt: 'asc' },
    });
    expect(ledger.map((t) => t.balanceAfter)).toEqual([999_999_999_999_997n, 10n ** 15n]);
  });

  it('are bounded by the database itself, whatever writes them', async () => {
    const { accountId } = await createAccount(product.http, key);
    await expect(
      product.prisma.account.update({
        where: { id: accountId },
        data: { balance: 9_020_000_000_000_001n },
      }),
    ).rejects.toThrow(/Account_balance_check/);
  });
});

describe('tenancy', () => {
  it("answers 404 for another org's account, whatever the route", async () => {
    const { accountId } = await createAccount(product.http, key);
    expectProblem(await get(accountId, otherKey), 404);
    expectProblem(await setStatus(accountId, { status: 'BLOCKED' }, {}, otherKey), 404);
    expectProblem(
      await product.http('POST', `/v1/accounts/${accountId}/transactions`, {
        key: otherKey,
        json: { type: 'CASH_IN', amount: 1, currency: 'BRL' },
      }),
      404,
    );
    expectProblem(
      await product.http('GET', `/v1/accounts/${accountId}/status-history`, { key: otherKey }),
      404,
    );
    expect((await get(accountId)).body.status).toBe('NORMAL');
  });
});
