import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { onStop, repoRoot, stopAll } from '../bench/lifecycle.js';
import { percentiles } from '../bench/measure.js';
import {
  accountId,
  addAccounts,
  addDailyBalances,
  createOrgs,
  environmentId,
  orgId,
  ORGS,
  STANDALONE_NORMAL,
} from '../bench/scale-data.js';
import { RETENTION_TABLES } from '../common/retention-tables.js';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { applyMigrations } from '../runtime/migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../runtime/postgres.js';
import { connectDatabase } from '../runtime/prisma.js';
import { RELATED_ACCOUNTS_SQL, relatedAccountsParams } from '../services/accounts/hierarchy.js';
import { createServices } from '../services/index.js';
import type { Tenant } from '../services/tenant.js';
import { freePort } from '../test/support/free-port.js';

// `npm run scale [-- --max N] [-- --out FILE]`: an embedded PostgreSQL of its own, migrated, the
// product's services over it as its least-privilege role, and a data set grown set-based to 10k,
// 100k and 1M accounts over 100 orgs (bench/scale-data.ts). At each size, p50 and p99 of the hot
// paths through the services (and through raw pg where the same SQL is exported); then two years
// of daily balances for a subset, one clean-up run timed and the hot paths' plans. Results go to
// bench/scale-results.json.

const { values } = parseArgs({
  options: {
    max: { type: 'string' },
    out: { type: 'string' },
    'history-accounts': { type: 'string' },
  },
});
const max = Number(values.max ?? 1_000_000);
if (!Number.isInteger(max) || max < ORGS) throw new Error(`--max must be an integer >= ${ORGS}`);
const out = path.resolve(values.out ?? path.join(repoRoot, 'bench', 'scale-results.json'));
const STEPS = [10_000, 100_000, 1_000_000].filter((n) => n <= max);
if (STEPS.length === 0) STEPS.push(max);
/** Days of daily balances every account has; the subset of the clean-up has two years */
const DAYS = 30;
const HISTORY_DAYS = 730;
const EVENTS_PER_ACCOUNT = 10;
/** Accounts per org that get two years of daily balances (10k accounts in all by default) */
const historyPerOrg = Math.min(
  Math.floor(Number(values['history-accounts'] ?? 10_000) / ORGS),
  Math.floor(max / ORGS),
);
if (!(historyPerOrg >= 1)) throw new Error(`--history-accounts must be an integer >= ${ORGS}`);
const ROUNDS = { rounds: 50, warmup: 5 };
const SLOW_ROUNDS = { rounds: 3, warmup: 1 };

const logger = createLogger({ logLevel: 'warn' });
const log = (message: string) => console.log(`scale: ${message}`);
const seconds = (from: number) => Number(((performance.now() - from) / 1000).toFixed(2));
const round = (n: number) => Number(n.toFixed(2));

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopAll().finally(() => process.exit(1)));

const dir = await mkdtemp(path.join(os.tmpdir(), 'cie-scale-'));
// PostgreSQL runs as its own unprivileged user and must reach its data directory in here.
await chmod(dir, 0o755);
onStop(`scratch directory ${dir}`, () => rm(dir, { recursive: true, force: true }));

try {
  const results = await run();
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results in ${out}`);
} catch (error) {
  console.error(`scale failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}

async function run() {
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'postgres'),
    port: await freePort(),
    logger,
  });
  onStop('PostgreSQL', () => postgres.stop());
  await createDatabaseIfMissing(postgres.ownerUrl('postgres'), 'scale');
  await applyMigrations(postgres.ownerUrl('scale'));
  await postgres.enableProductLogin();

  const owner = new pg.Pool({ connectionString: postgres.ownerUrl('scale'), max: 2 });
  onStop('the owner pool', () => owner.end());
  const raw = new pg.Pool({ connectionString: postgres.productUrl('scale'), max: 1 });
  onStop('the raw pool', () => raw.end());
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
  const { prisma, sql, pool } = connectDatabase(postgres.productUrl('scale'), {
    maxConnections: 4,
  });
  onStop('the Prisma client', () => prisma.$disconnect());
  // An idle connection PostgreSQL's stop ends is no failure of the run
  for (const p of [owner, raw, pool])
    p.on('error', (error) => log(`idle connection closed: ${error.message}`));
  const services = createServices({
    prisma,
    sql,
    reportsDir: config.reportsDir,
    // The harness changes statuses between NORMAL and BLOCKED without an end: no timers
    temporaryBlocks: {
      schedule: () => Promise.reject(new Error('no temporary blocks in the scale harness')),
      cancel: async () => {},
    },
    apiKeyCacheMs: config.apiKeyCacheMs,
    apiKeyRotationGraceMs: config.apiKeyRotationGraceMs,
    serverSecret: '5e'.repeat(32),
    webhooks: config.webhooks,
    eventLogStallReportMs: config.eventLogStallReportMs,
    retention: config.retention,
  });

  const [ids] = (
    await owner.query<{ org: string; env: string }>(
      `SELECT ${orgId('7')} AS org, ${environmentId('7')} AS env`,
    )
  ).rows;
  const tenant: Tenant = { orgId: ids!.org, environmentId: ids!.env };
  const account = async (n: number) =>
    (await owner.query<{ id: string }>(`SELECT ${accountId('7', '$1::int')} AS id`, [n])).rows[0]!
      .id;

  let t = performance.now();
  await createOrgs(owner);
  const steps = [];
  let perOrg = 0;
  let snapshotDay = 1;
  for (const size of STEPS) {
    const to = Math.floor(size / ORGS);
    t = performance.now();
    const rows = await addAccounts(
      owner,
      { from: perOrg + 1, to },
      {
        days: DAYS,
        events: EVENTS_PER_ACCOUNT,
        // Each step's events are newer than the last step's: two years over the largest size
        eventDaysAgo: {
          from: HISTORY_DAYS * (1 - (perOrg * ORGS) / STEPS.at(-1)!),
          to: HISTORY_DAYS * (1 - size / STEPS.at(-1)!),
        },
      },
    );
    await owner.query('ANALYZE');
    const generatorSeconds = seconds(t);
    perOrg = to;
    log(`${size} accounts generated in ${generatorSeconds} s: ${JSON.stringify(rows)}`);

    const figures: Record<string, unknown> = {};
    const time = async (
      name: string,
      operation: (i: number) => Promise<void>,
      rounds = ROUNDS,
      floor?: (i: number) => Promise<void>,
    ) => {
      const product = await percentiles(operation, rounds);
      const entry: Record<string, number> = {
        p50Ms: round(product.p50Ms),
        p99Ms: round(product.p99Ms),
      };
      if (floor) {
        const baseline = await percentiles(floor, rounds);
        entry.rawPgP50Ms = round(baseline.p50Ms);
        entry.ratio = round(product.p50Ms / baseline.p50Ms);
      }
      figures[name] = entry;
      log(`${size}: ${name} ${JSON.stringify(entry)}`);
    };

    // The first tree's root: 3 children and 9 grandchildren at every size
    const root = await account(1);
    const lastPage = { limit: 50 };
    await time('list accounts', async () => {
      await services.accounts.list(tenant, {}, lastPage);
    });
    await time('list accounts by status', async (i) => {
      await services.accounts.list(tenant, { status: i % 2 ? 'BLOCKED' : 'CANCELLED' }, lastPage);
    });
    const program = (
      await owner.query<{ id: string }>(`SELECT "programId" AS id FROM "Account" WHERE id = $1`, [
        root,
      ])
    ).rows[0]!.id;
    await time('list accounts by program', async () => {
      await services.accounts.list(tenant, { programId: program }, lastPage);
    });
    await time('list accounts by parent', async () => {
      await services.accounts.list(tenant, { parentAccountId: root }, lastPage);
    });
    await time('search accounts by customer document', async (i) => {
      await services.accounts.list(
        tenant,
        { customerDocument: `DOC-${((i * 7919) % to) + 1}` },
        lastPage,
      );
    });
    await time(
      'related overview',
      async () => {
        await services.accountHierarchy.related(tenant, root);
      },
      ROUNDS,
      async () => {
        // Prepared, as the service's statement is: the floor does the same work, not more
        await raw.query({
          name: 'related-accounts-floor',
          text: RELATED_ACCOUNTS_SQL,
          values: relatedAccountsParams(root, tenant.environmentId),
        });
      },
    );
    // A standalone NORMAL account goes BLOCKED and back
    const standalone = await account(STANDALONE_NORMAL);
    await time('status change', async (i) => {
      await services.accountStatus.change(
        tenant,
        standalone,
        { status: i % 2 ? 'NORMAL' : 'BLOCKED' },
        { actor: 'scale' },
      );
    });
    await time('event feed page', async () => {
      await services.events.list(tenant, {}, { limit: 100 });
    });
    await time('daily balance range', async (i) => {
      await services.dailyBalances.page(
        tenant,
        await account((i % to) + 1),
        { start: dateBefore(DAYS), end: dateBefore(1) },
        { page: 1, perPage: DAYS },
      );
    });
    await time(
      'daily snapshot of one org',
      async () => {
        await services.dailyBalances.snapshot(tenant.orgId, dayAhead(snapshotDay++));
      },
      SLOW_ROUNDS,
    );
    const orgIds = (await owner.query<{ id: string }>('SELECT id FROM "Org"')).rows.map(
      (r) => r.id,
    );
    await time(
      'daily snapshot of all orgs',
      async () => {
        const day = dayAhead(snapshotDay++);
        for (const id of orgIds) await services.dailyBalances.snapshot(id, day);
      },
      SLOW_ROUNDS,
    );
    const rssBefore = process.memoryUsage().rss;
    await time(
      'account limits report file (all orgs)',
      async () => {
        for (const id of orgIds) await services.reports.write(id, dateBefore(1), new Date());
      },
      SLOW_ROUNDS,
    );
    const rssAfter = process.memoryUsage().rss;
    figures['account limits report rss'] = {
      beforeMb: Math.round(rssBefore / 2 ** 20),
      afterMb: Math.round(rssAfter / 2 ** 20),
    };
    steps.push({ accounts: size, generatorSeconds, rows, figures });
  }

  const cleanup = await twoYearCleanup(owner, services, tenant, account);
  return {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
    },
    measuredAt: new Date().toISOString(),
    max,
    steps,
    cleanup,
  };
}

async function twoYearCleanup(
  owner: pg.Pool,
  services: ReturnType<typeof createServices>,
  tenant: Tenant,
  account: (n: number) => Promise<string>,
) {
  let t = performance.now();
  const rows = await addDailyBalances(
    owner,
    { from: 1, to: historyPerOrg },
    { fromDay: DAYS + 1, toDay: HISTORY_DAYS },
  );
  await owner.query('ANALYZE');
  const generatorSeconds = seconds(t);
  log(`two years of daily balances for ${historyPerOrg * ORGS} accounts in ${generatorSeconds} s`);

  // The first run removes the backlog the generator left (two years of events, months of
  // partitions); the second is the daily run the schedule makes from then on.
  const cleanUp = async (now: Date) => {
    t = performance.now();
    const dropped = await services.retention.dropDailyBalancePartitions(
      now.toISOString().slice(0, 10),
    );
    const deleted: Record<string, number> = {};
    for (const table of RETENTION_TABLES) {
      let after: bigint | undefined;
      do {
        const batch = await services.retention.deleteBatch(table, now, after);
        deleted[table] = (deleted[table] ?? 0) + batch.deleted;
        after = batch.next;
      } while (after !== undefined);
    }
    return { seconds: seconds(t), partitionsDropped: dropped.length, rowsDeleted: deleted };
  };
  const backlog = await cleanUp(new Date(Date.now() - 24 * 3600 * 1000));
  const daily = await cleanUp(new Date());
  log(`clean-up: backlog ${JSON.stringify(backlog)}, daily ${JSON.stringify(daily)}`);

  const one = await account(1);
  const plans: Record<string, unknown> = {};
  const explain = async (name: string, text: string, params: unknown[]) => {
    const result = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${text}`,
      params,
    );
    const nodes = flatten(result.rows[0]!['QUERY PLAN'][0].Plan);
    const scans = nodes.filter((n) => n['Relation Name']);
    const plan = {
      scans: scans.map((n) => `${n['Node Type']} on ${n['Relation Name']}`),
      // A bitmap heap scan reads what its bitmap index scan found; only a sequential scan reads all
      noSequentialScan: scans.every((n) => n['Node Type'] !== 'Seq Scan'),
      partitions: [...new Set(scans.map((n) => n['Relation Name']!))].filter((r) =>
        r.startsWith('AccountDailyBalance'),
      ),
    };
    plans[name] = plan;
    log(`plan of ${name}: ${JSON.stringify(plan)}`);
  };
  // The statements the services run (services/daily-balances.ts page, services/accounts/records.ts
  // list, services/events.ts readLog, services/accounts/history.ts statusChanges), with their values
  // This month's days so far: one monthly partition (a 30-day range spans two at most)
  await explain(
    'daily balance range of one account, this month',
    `SELECT date, balance FROM "AccountDailyBalance"
     WHERE "accountId" = $1 AND "environmentId" = $2 AND date >= $3 AND date <= $4 ORDER BY date LIMIT 30`,
    [one, tenant.environmentId, `${dateBefore(0).slice(0, 8)}01`, dateBefore(0)],
  );
  await explain(
    'daily balance range of one account, 30 days',
    `SELECT date, balance FROM "AccountDailyBalance"
     WHERE "accountId" = $1 AND "environmentId" = $2 AND date >= $3 AND date <= $4 ORDER BY date LIMIT 30`,
    [one, tenant.environmentId, dateBefore(DAYS), dateBefore(1)],
  );
  await explain(
    'list accounts, first page',
    `SELECT a.id FROM "Account" a JOIN "Program" p ON p.id = a."programId"
     WHERE a."environmentId" = $1 ORDER BY a."createdAt", a.id LIMIT 51`,
    [tenant.environmentId],
  );
  await explain(
    'list accounts by status, first page',
    `SELECT a.id FROM "Account" a JOIN "Program" p ON p.id = a."programId"
     WHERE a."environmentId" = $1 AND a.status = 'BLOCKED' ORDER BY a."createdAt", a.id LIMIT 51`,
    [tenant.environmentId],
  );
  await explain(
    'list accounts by program, first page',
    `SELECT a.id FROM "Account" a JOIN "Program" p ON p.id = a."programId"
     WHERE a."environmentId" = $1 AND a."programId" = (SELECT "programId" FROM "Account" WHERE id = $2)
     ORDER BY a."createdAt", a.id LIMIT 51`,
    [tenant.environmentId, one],
  );
  await explain(
    'event feed page',
    `SELECT * FROM "Event" WHERE "orgId" = $1 AND ("environmentId" = $2 OR "environmentId" IS NULL)
       AND ("transactionId", sequence) > (0, 0) AND "transactionId" < $3
     ORDER BY "transactionId", sequence LIMIT 101`,
    [tenant.orgId, tenant.environmentId, '9223372036854775807'],
  );
  await explain(
    'status history of one account',
    `SELECT * FROM "AccountStatusChange" WHERE "accountId" = $1 AND "environmentId" = $2 ORDER BY id LIMIT 50`,
    [one, tenant.environmentId],
  );
  return {
    accountsWithTwoYears: historyPerOrg * ORGS,
    generatorSeconds,
    dailyBalanceRows: rows.AccountDailyBalance,
    backlog,
    daily,
    plans,
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** The UTC date `days` before today */
function dateBefore(days: number): string {
  return new Date(Date.now() - days * 24 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Noon UTC `days` after today: a day the generator wrote no balances for */
function dayAhead(days: number): Date {
  const day = new Date(Date.now() + days * 24 * 3600 * 1000);
  day.setUTCHours(15, 0, 0, 0);
  return day;
}
