import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDailyBalanceService } from '../../services/daily-balances.js';
import { addDays, localDate, zonedInstant } from '../../common/plain-dates.js';
import {
  backdateLedger,
  createAccount,
  createOrgWithKey,
  expectProblem,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

let product: TestProduct;
let key: string;
let otherKey: string;
let accountId: string;
let today: string;

const query = (params: string, k = key) =>
  product.http('GET', `/v1/accounts/${accountId}/daily-balance-limits${params}`, { key: k });

beforeAll(async () => {
  product = await startTestProduct();
  const org = await createOrgWithKey(product.http, 'Acme');
  key = org.key;
  otherKey = (await createOrgWithKey(product.http, 'Beta')).key;
  ({ accountId } = await createAccount(product.http, key));
  expect(
    (
      await product.http('POST', `/v1/accounts/${accountId}/transactions`, {
        key,
        json: { type: 'CASH_IN', amount: 500, currency: 'BRL' },
      })
    ).status,
  ).toBe(201);
  // Snapshots of the last 30 days, as the schedule would have recorded them.
  today = localDate(new Date(), sampleOrg.timeZone);
  const opened = zonedInstant(addDays(today, -40), 12, 0, sampleOrg.timeZone);
  await product.prisma.account.update({ where: { id: accountId }, data: { createdAt: opened } });
  await backdateLedger(product.prisma, { accountId }, opened);
  const balances = createDailyBalanceService({ prisma: product.prisma });
  for (let back = 30; back >= 0; back--) {
    await balances.snapshot(
      org.orgId,
      zonedInstant(addDays(today, -back), 23, 59, sampleOrg.timeZone),
    );
  }
});
afterAll(async () => {
  await product?.stop();
});

describe('GET /v1/accounts/:id/daily-balance-limits', () => {
  it('answers by default the 10 days before yesterday up to yesterday, never today', async () => {
    const response = await query('');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      startDate: addDays(today, -11),
      endDate: addDays(today, -1),
    });
    expect(response.body.pagination).toEqual({
      page: 1,
      perPage: 20,
      totalItems: 11,
      totalPages: 1,
    });
    expect(response.body.items.map((i: { date: string }) => i.date)).toEqual(
      Array.from({ length: 11 }, (_, i) => addDays(today, i - 11)),
    );
    expect(response.body.items[0]).toMatchObject({
      currency: 'BRL',
      balance: 500,
      creditLimit: 0,
      availableCreditLimit: 0,
      availableToSpend: 500,
    });
  });

  it('pages through a range', async () => {
    const range = `?start_date=${addDays(today, -25)}&end_date=${addDays(today, -1)}&per_page=10`;
    const third = await query(`${range}&page=3`);
    expect(third.body.pagination).toEqual({ page: 3, perPage: 10, totalItems: 25, totalPages: 3 });
    expect(third.body.items.map((i: { date: string }) => i.date)).toEqual(
      Array.from({ length: 5 }, (_, i) => addDays(today, i - 5)),
    );
  });

  it('refuses today, the future, more than 515 days back, more than 90 days, an end before the start and malformed dates', async () => {
    const cases: [string, string, string][] = [
      [`?end_date=${today}`, 'query.end_date', 'not_before_today'],
      [`?start_date=${addDays(today, 3)}`, 'query.start_date', 'not_before_today'],
      [
        `?start_date=${addDays(today, -516)}&end_date=${addDays(today, -480)}`,
        'query.start_date',
        'too_old',
      ],
      [
        `?start_date=${addDays(today, -100)}&end_date=${addDays(today, -10)}`,
        'query.end_date',
        'range_too_long',
      ],
      [
        `?start_date=${addDays(today, -5)}&end_date=${addDays(today, -8)}`,
        'query.end_date',
        'before_start_date',
      ],
      ['?start_date=2026-02-30', 'query.start_date', 'invalid_date'],
      ['?end_date=yesterday', 'query.end_date', 'invalid_date'],
      ['?page=0', 'query.page', 'too_small'],
      ['?per_page=101', 'query.per_page', 'too_big'],
    ];
    for (const [params, field, rule] of cases) {
      const response = await query(params);
      expectProblem(response, 400, rule);
      expect(response.body.errors, params).toContainEqual(expect.objectContaining({ field, rule }));
    }
    // The limits themselves are allowed: exactly 90 days, exactly 515 days back.
    expect(
      (await query(`?start_date=${addDays(today, -90)}&end_date=${addDays(today, -1)}`)).status,
    ).toBe(200);
    expect(
      (await query(`?start_date=${addDays(today, -515)}&end_date=${addDays(today, -426)}`)).status,
    ).toBe(200);
  });

  it("answers 404 for another org's account", async () => {
    expectProblem(await query('', otherKey), 404);
  });
});
