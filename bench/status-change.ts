import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BenchContext } from './context.js';
import { measure, type Measurement } from './measure.js';

// Status-change throughput and p50 latency through the HTTP API (auth, validation, machine,
// locked read, version-checked UPDATE and audit INSERT in one transaction) against the same
// write through raw `pg` (version-checked UPDATE + audit INSERT in one transaction), at the same
// concurrency, in the same run, on the same database. Each worker owns one account, so the
// figures measure the path, not lock waits.

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const CHANGES_PER_WORKER = 150;
const WARMUP_PER_WORKER = 20;

export async function benchStatusChange(ctx: BenchContext): Promise<Measurement[]> {
  const apiAccounts = await Promise.all(
    Array.from({ length: CONCURRENCY }, () => ctx.createAccount()),
  );
  const rawAccounts = await Promise.all(
    Array.from({ length: CONCURRENCY }, () => ctx.createAccount()),
  );

  const viaApi = async (accountId: string, i: number) => {
    const response = await fetch(`${ctx.baseUrl}/v1/accounts/${accountId}/status`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ctx.orgKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: i % 2 === 0 ? 'BLOCKED' : 'NORMAL' }),
    });
    if (response.status !== 200)
      throw new Error(`status change answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };

  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: CONCURRENCY });
  const versions = new Map<string, number>();
  const viaPg = async (accountId: string, i: number) => {
    const client = await pool.connect();
    try {
      const from = i % 2 === 0 ? 'NORMAL' : 'BLOCKED';
      const to = i % 2 === 0 ? 'BLOCKED' : 'NORMAL';
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
    const run = (
      accounts: string[],
      change: (accountId: string, i: number) => Promise<void>,
      name: string,
    ) =>
      measure(name, accounts, change, {
        perWorker: CHANGES_PER_WORKER,
        warmupPerWorker: WARMUP_PER_WORKER,
      });
    const raw = await run(rawAccounts, viaPg, 'status change, raw pg (baseline)');
    const api = await run(apiAccounts, viaApi, 'status change, HTTP API');
    return [raw, { ...api, baseline: raw }];
  } finally {
    await pool.end();
  }
}
