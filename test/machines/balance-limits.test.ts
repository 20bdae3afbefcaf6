import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_BALANCE,
  MAX_CREDIT_LIMIT,
  balanceLimits,
  balanceLimitsSql,
} from '../../machines/balance-limits.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

// The balance formula has one home and two renderings: TypeScript for single accounts, SQL for
// the statement that snapshots every account at once. Both must give the same figures.

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('balance limits', () => {
  it('are the same in SQL as in TypeScript, owing or not, at the bounds', async () => {
    const sql = balanceLimitsSql('$1::bigint', '$2::bigint');
    const cases: [bigint, bigint][] = [
      [0n, 0n],
      [500n, 0n],
      [-300n, 1_000n],
      [-1_000n, 1_000n],
      [-1_500n, 1_000n],
      [2_000n, 1_000n],
      [MAX_BALANCE, MAX_CREDIT_LIMIT],
      [-MAX_CREDIT_LIMIT, MAX_CREDIT_LIMIT],
    ];
    for (const [balance, creditLimit] of cases) {
      const { rows } = await client.query<{
        availableCreditLimit: string;
        availableToSpend: string;
      }>(
        `SELECT (${sql.availableCreditLimit})::text AS "availableCreditLimit", (${sql.availableToSpend})::text AS "availableToSpend"`,
        [balance.toString(), creditLimit.toString()],
      );
      const expected = balanceLimits(balance, creditLimit);
      expect(rows[0], `${balance} / ${creditLimit}`).toEqual({
        availableCreditLimit: expected.availableCreditLimit.toString(),
        availableToSpend: expected.availableToSpend.toString(),
      });
    }
  });
});
