import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { RELATED_ACCOUNTS_SQL, relatedAccountsParams } from '../services/accounts/hierarchy.js';
import type { BenchContext } from './context.js';
import { onStop } from './lifecycle.js';
import { figure, measureInTurn, type Figure } from './measure.js';

// The related-accounts overview of a parent with its children and grandchildren (1+100+1000 in
// the full run): p50 through the HTTP API against the same recursive SQL through raw `pg`.

export async function benchRelatedAccounts(ctx: BenchContext): Promise<Figure> {
  const { children: childCount, grandchildrenPerChild } = ctx.sizes.hierarchy;
  const grandchildCount = childCount * grandchildrenPerChild;
  const parentId = await ctx.createAccount();
  // Seeding takes the owner; the baseline query runs as the product's own role.
  const owner = new pg.Pool({ connectionString: ctx.ownerDatabaseUrl, max: 1 });
  const endOwner = onStop('the seeding pool', () => owner.end());
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: 1 });
  const endPool = onStop('the related-overview pool', () => pool.end());
  try {
    // The hierarchy is set up in bulk; only the overview is measured.
    const children = Array.from({ length: childCount }, () => randomUUID());
    const grandchildren = children.flatMap((child) =>
      Array.from({ length: grandchildrenPerChild }, () => [randomUUID(), child] as const),
    );
    const insert = (ids: string[], parents: string[]) =>
      owner.query(
        `INSERT INTO "Account" (id, "orgId", "environmentId", "programId", "parentAccountId", balance, "updatedAt")
         SELECT id, $1, $2, $3, parent, (random() * 100000)::bigint, now()
         FROM unnest($4::uuid[], $5::uuid[]) AS t(id, parent)`,
        [ctx.orgId, ctx.environmentId, ctx.programId, ids, parents],
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
    await owner.query('ANALYZE "Account"');

    const viaApi = async () => {
      const body = await ctx.call<{ children: unknown[]; grandchildren: unknown[] }>(
        'GET',
        `/v1/accounts/${parentId}/related`,
        ctx.orgKey,
      );
      if (body.children.length !== childCount || body.grandchildren.length !== grandchildCount)
        throw new Error('the related overview is incomplete');
    };
    const viaPg = async () => {
      // Prepared, as the product's statement is: the floor does the same work, not more
      const result = await pool.query({
        name: 'related-accounts-floor',
        text: RELATED_ACCOUNTS_SQL,
        values: relatedAccountsParams(parentId, ctx.environmentId),
      });
      if (result.rowCount !== 1 + childCount + grandchildCount)
        throw new Error('the raw overview is incomplete');
    };
    const { baseline: raw, product: api } = await measureInTurn(
      viaPg,
      viaApi,
      ctx.sizes.sequential,
    );
    return figure(
      'related overview',
      'ms',
      '<= 1.5x',
      `1+${childCount}+${grandchildCount} accounts, sequential, p50 of ${api.operations}`,
      { label: 'GET /v1/accounts/:id/related', value: api.p50Ms },
      { label: 'RELATED_ACCOUNTS_SQL through raw pg', value: raw.p50Ms },
    );
  } finally {
    await endPool();
    await endOwner();
  }
}
