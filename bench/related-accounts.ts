import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { RELATED_ACCOUNTS_SQL, relatedAccountsParams } from '../services/accounts/hierarchy.js';
import type { BenchContext } from './context.js';
import { measure, type Measurement } from './measure.js';

// The related-accounts overview of a parent with 100 children and 1,000 grandchildren: p50
// through the HTTP API against the same recursive SQL through raw `pg`, in the same run.

const CHILDREN = 100;
const GRANDCHILDREN_PER_CHILD = 10;
const RUNS = 100;
const WARMUP = 10;

export async function benchRelatedAccounts(ctx: BenchContext): Promise<Measurement[]> {
  const parentId = await ctx.createAccount();
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ orgId: string; environmentId: string; programId: string }>(
      'SELECT "orgId", "environmentId", "programId" FROM "Account" WHERE id = $1',
      [parentId],
    );
    const { orgId, environmentId, programId } = rows[0]!;
    // The hierarchy is set up in bulk; only the overview is measured.
    const children = Array.from({ length: CHILDREN }, () => randomUUID());
    const grandchildren = children.flatMap((child) =>
      Array.from({ length: GRANDCHILDREN_PER_CHILD }, () => [randomUUID(), child] as const),
    );
    const insert = (ids: string[], parents: string[]) =>
      pool.query(
        `INSERT INTO "Account" (id, "orgId", "environmentId", "programId", "parentAccountId", balance, "updatedAt")
         SELECT id, $1, $2, $3, parent, (random() * 100000)::bigint, now()
         FROM unnest($4::uuid[], $5::uuid[]) AS t(id, parent)`,
        [orgId, environmentId, programId, ids, parents],
      );
    await insert(
      children,
      children.map(() => parentId),
    );
    await insert(
      grandchildren.map(([id]) => id),
      grandchildren.map(([, parent]) => parent),
    );
    // Statistics as autovacuum would leave them after such a bulk load
    await pool.query('ANALYZE "Account"');

    const viaApi = async () => {
      const response = await fetch(`${ctx.baseUrl}/v1/accounts/${parentId}/related`, {
        headers: { authorization: `Bearer ${ctx.orgKey}` },
      });
      const body = (await response.json()) as { grandchildren: unknown[] };
      if (
        response.status !== 200 ||
        body.grandchildren.length !== CHILDREN * GRANDCHILDREN_PER_CHILD
      ) {
        throw new Error(`related overview answered ${response.status}`);
      }
    };
    const viaPg = async () => {
      const result = await pool.query(
        RELATED_ACCOUNTS_SQL,
        relatedAccountsParams(parentId, environmentId),
      );
      if (result.rowCount !== 1 + CHILDREN * (1 + GRANDCHILDREN_PER_CHILD))
        throw new Error('raw overview is incomplete');
    };
    const options = { perWorker: RUNS, warmupPerWorker: WARMUP };
    const raw = await measure(
      'related overview 1+100+1000, raw pg (baseline)',
      [0],
      viaPg,
      options,
    );
    const api = await measure('related overview 1+100+1000, HTTP API', [0], viaApi, options);
    return [raw, { ...api, baseline: raw }];
  } finally {
    await pool.end();
  }
}
