import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BenchContext } from './context.js';
import { onStop } from './lifecycle.js';
import { figure, measure, type Figure } from './measure.js';

// Status-change throughput through the HTTP API (auth, validation, machine, read, version-checked
// UPDATE with its audit row and its event) against the same writes through raw `pg`
// (version-checked UPDATE, audit INSERT and event INSERT in one transaction), at the same concurrency,
// on the same database. Each worker owns one account, so the figures measure the path, not lock
// waits.

export async function benchStatusChange(ctx: BenchContext): Promise<Figure> {
  const { concurrency, statusChanges } = ctx.sizes;
  const accounts = () =>
    Promise.all(Array.from({ length: concurrency }, () => ctx.createAccount()));
  const apiAccounts = await accounts();
  const rawAccounts = await accounts();
  const target = (i: number) => (i % 2 === 0 ? 'BLOCKED' : 'NORMAL');

  const viaApi = async (accountId: string, i: number) => {
    const account = await ctx.call<{ id: string; status: string }>(
      'PATCH',
      `/v1/accounts/${accountId}/status`,
      ctx.orgKey,
      { status: target(i) },
    );
    if (account.id !== accountId || account.status !== target(i))
      throw new Error(`status change answered ${JSON.stringify(account)}`);
  };

  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: concurrency });
  const endPool = onStop('the status-change pool', () => pool.end());
  const versions = new Map<string, number>();
  const viaPg = async (accountId: string, i: number) => {
    const client = await pool.connect();
    try {
      const from = i % 2 === 0 ? 'NORMAL' : 'BLOCKED';
      const to = target(i);
      const version = versions.get(accountId) ?? 1;
      await client.query('BEGIN');
      const updated = await client.query(
        `UPDATE "Account" SET status = $1::"AccountStatus", "statusChangedAt" = now(), version = version + 1, "updatedAt" = now()
         WHERE id = $2 AND version = $3 RETURNING "orgId", "environmentId"`,
        [to, accountId, version],
      );
      const row = updated.rows[0] as { orgId: string; environmentId: string } | undefined;
      if (!row) throw new Error('raw baseline lost its version check');
      await client.query(
        `INSERT INTO "AccountStatusChange" ("orgId", "environmentId", "accountId", kind, "fromStatus", "toStatus", "accountVersion", actor, "requestId")
         VALUES ($1, $2, $3, 'CHANGE', $4::"AccountStatus", $5::"AccountStatus", $6, 'bench', $7)`,
        [row.orgId, row.environmentId, accountId, from, to, version + 1, randomUUID()],
      );
      // The product records each change as an event too (services/events.ts), so the floor does.
      await client.query(
        `INSERT INTO "Event" (id, type, version, "orgId", "environmentId", "subjectType", "subjectId", "occurredAt", payload)
         VALUES (gen_random_uuid(), 'account.status_changed', 1, $1, $2, 'account', $3, now(), $4::jsonb)`,
        [
          row.orgId,
          row.environmentId,
          accountId,
          JSON.stringify({
            accountId,
            from,
            to,
            reason: null,
            description: null,
            blockedUntil: null,
            accountVersion: version + 1,
          }),
        ],
      );
      await client.query('COMMIT');
      versions.set(accountId, version + 1);
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  try {
    const raw = await measure(rawAccounts, viaPg, statusChanges);
    const api = await measure(apiAccounts, viaApi, statusChanges);
    return figure(
      'status change',
      'ops/s',
      '>= 0.5x',
      `${concurrency} concurrent workers, one account each, ${statusChanges.perWorker} changes each after ${statusChanges.warmupPerWorker} warm-up`,
      { label: 'PATCH /v1/accounts/:id/status', value: api.throughput },
      {
        label: 'raw pg: version-checked UPDATE + audit INSERT + event INSERT in one transaction',
        value: raw.throughput,
      },
    );
  } finally {
    await endPool();
  }
}
