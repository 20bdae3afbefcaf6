import { chmod, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { onStop, repoRoot, stopAll } from '../bench/lifecycle.js';
import { machineDescription, measureInTurn, percentiles } from '../bench/measure.js';
import { nodeCpuMs, postgresCpuMs } from '../bench/process-cpu.js';
import {
  dataStatements,
  readStatements,
  recordStatements,
  replay,
  type RecordedStatement,
} from '../bench/statement-recorder.js';
import {
  accountId,
  addAccountsInChunks,
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
import { createServices } from '../services/index.js';
import type { Tenant } from '../services/tenant.js';
import { freePort } from '../test/support/free-port.js';

// `npm run scale [-- --max N] [-- --out FILE]`: an embedded PostgreSQL of its own, migrated, the
// product's services over it as its least-privilege role, and a data set grown set-based to 10k,
// 100k and 1M accounts over 100 orgs (bench/scale-data.ts). At each size, p50 and p99 of the hot
// paths through the services, and of the reads the same statements (recorded off the product's
// pool as it sent them) through raw pg; then two years of daily balances for a subset, one
// clean-up run timed and the plans of the statements the hot paths send. Results go to
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
/**
 * Tables of a few rows per org, which a sequential scan reads whole as cheaply as an index, and
 * the catalog (the event log's fence reads pg_database)
 */
const smallTable = (name: string) =>
  ['Org', 'Environment', 'Program', 'AccountStatusReason'].includes(name) || name.startsWith('pg_');
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
  const dataDir = path.join(dir, 'postgres');
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    logger,
  });
  onStop('PostgreSQL', () => postgres.stop());
  await createDatabaseIfMissing(postgres.ownerUrl('postgres'), 'scale');
  await applyMigrations(postgres.ownerUrl('scale'));
  await postgres.enableProductLogin();
  // A production server's WAL budget: the default (1 GB) checkpoints every few seconds while the
  // generator writes tens of millions of rows, and the page images after each checkpoint double
  // the WAL it writes.
  await withOwner(postgres.ownerUrl('postgres'), [
    `ALTER SYSTEM SET max_wal_size = '16GB'`,
    `ALTER SYSTEM SET checkpoint_timeout = '30min'`,
    'SELECT pg_reload_conf()',
  ]);

  const owner = new pg.Pool({ connectionString: postgres.ownerUrl('scale'), max: 2 });
  onStop('the owner pool', () => owner.end());
  const raw = new pg.Pool({ connectionString: postgres.productUrl('scale'), max: 1 });
  onStop('the raw pool', () => raw.end());
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir });
  const { prisma, sql, pool } = connectDatabase(postgres.productUrl('scale'), {
    maxConnections: 4,
  });
  const recorder = recordStatements(pool);
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
    const rows = await addAccountsInChunks(
      owner,
      { from: perOrg + 1, to },
      {
        days: DAYS,
        events: EVENTS_PER_ACCOUNT,
        // Each chunk's events are newer than the last chunk's: two years over the largest size
        eventDaysAgo: (chunk) => ({
          from: HISTORY_DAYS * (1 - ((chunk.from - 1) * ORGS) / STEPS.at(-1)!),
          to: HISTORY_DAYS * (1 - (chunk.to * ORGS) / STEPS.at(-1)!),
        }),
      },
      (last) => log(`${last * ORGS} accounts written (${seconds(t)} s)`),
    );
    await owner.query('ANALYZE');
    const generatorSeconds = seconds(t);
    perOrg = to;
    log(`${size} accounts generated in ${generatorSeconds} s: ${JSON.stringify(rows)}`);
    const bytes = await tableBytes(owner, Object.keys(rows));
    log(`${size}: bytes on disk (tables and their indexes) ${JSON.stringify(bytes)}`);

    const figures: Record<string, unknown> = {};
    /**
     * Times `operation`, with the CPU each call cost the calling process and PostgreSQL. A read
     * is also timed against its floor: the statements each round sent, recorded in a first pass
     * (which is also the warm-up, so both sides find the same pages in memory), sent again
     * through raw pg in turn with the product's rounds (`floor` when the floor does more with the
     * rows than fetch them)
     */
    const time = async (
      name: string,
      operation: (i: number) => Promise<void>,
      options: {
        rounds?: typeof ROUNDS;
        floor?: 'replay' | ((statements: RecordedStatement[]) => Promise<void>);
      } = {},
    ) => {
      const rounds = options.rounds ?? ROUNDS;
      const calls = rounds.rounds + rounds.warmup;
      const cpuPerCall = async <T>(calling: () => Promise<T>) => {
        // Node's own reading last and first: reading /proc costs this process CPU too
        const postgres = await postgresCpuMs(dataDir);
        const node = nodeCpuMs();
        const result = await calling();
        const nodeCpu = nodeCpuMs() - node;
        return {
          result,
          nodeCpuMs: round(nodeCpu / calls),
          postgresCpuMs: round(((await postgresCpuMs(dataDir)) - postgres) / calls),
        };
      };
      const entry: Record<string, number> = {};
      if (!options.floor) {
        const { result, ...cpu } = await cpuPerCall(() => percentiles(operation, rounds));
        Object.assign(entry, { p50Ms: round(result.p50Ms), p99Ms: round(result.p99Ms), ...cpu });
      } else {
        const floor = options.floor;
        const statements: RecordedStatement[][] = [];
        const { nodeCpuMs: nodeCpu, postgresCpuMs: postgresCpu } = await cpuPerCall(async () => {
          for (let i = 0; i < calls; i++)
            statements.push(readStatements(await recorder.during(() => operation(i))));
        });
        const { baseline, product } = await measureInTurn(
          floor === 'replay'
            ? (i) => replay(raw, statements[i]!).then(() => {})
            : (i) => floor(statements[i]!),
          operation,
          { perWorker: rounds.rounds, warmupPerWorker: rounds.warmup },
        );
        Object.assign(entry, {
          p50Ms: round(product.p50Ms),
          p99Ms: round(product.p99Ms),
          nodeCpuMs: nodeCpu,
          postgresCpuMs: postgresCpu,
          rawPgP50Ms: round(baseline.p50Ms),
          ratio: round(product.p50Ms / baseline.p50Ms),
        });
      }
      figures[name] = entry;
      log(`${size}: ${name} ${JSON.stringify(entry)}`);
    };
    const replayed = { floor: 'replay' as const };

    // The first tree's root: 3 children and 9 grandchildren at every size
    const root = await account(1);
    const lastPage = { limit: 50 };
    await time(
      'list accounts',
      async () => {
        await services.accounts.list(tenant, {}, lastPage);
      },
      replayed,
    );
    await time(
      'list accounts by status',
      async (i) => {
        await services.accounts.list(tenant, { status: i % 2 ? 'BLOCKED' : 'CANCELLED' }, lastPage);
      },
      replayed,
    );
    const program = (
      await owner.query<{ id: string }>(`SELECT "programId" AS id FROM "Account" WHERE id = $1`, [
        root,
      ])
    ).rows[0]!.id;
    await time(
      'list accounts by program',
      async () => {
        await services.accounts.list(tenant, { programId: program }, lastPage);
      },
      replayed,
    );
    await time(
      'list accounts by parent',
      async () => {
        await services.accounts.list(tenant, { parentAccountId: root }, lastPage);
      },
      replayed,
    );
    await time(
      'search accounts by customer document',
      async (i) => {
        await services.accounts.list(
          tenant,
          { customerDocument: `DOC-${((i * 7919) % to) + 1}` },
          lastPage,
        );
      },
      replayed,
    );
    // Its statement is prepared by name, and replayed so: the floor does the same work, not more
    await time(
      'related overview',
      async () => {
        await services.accountHierarchy.related(tenant, root);
      },
      replayed,
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
    await time(
      'event feed page',
      async () => {
        await services.events.list(tenant, {}, { limit: 100 });
      },
      replayed,
    );
    const accountIds = await Promise.all(
      Array.from({ length: 64 }, (_, i) => account(((i * 7919) % to) + 1)),
    );
    await time(
      'daily balance range',
      async (i) => {
        await services.dailyBalances.page(
          tenant,
          accountIds[i % accountIds.length]!,
          { start: dateBefore(DAYS), end: dateBefore(1) },
          { page: 1, perPage: DAYS },
        );
      },
      replayed,
    );
    await time(
      'daily snapshot of one org',
      async () => {
        await services.dailyBalances.snapshot(tenant.orgId, dayAhead(snapshotDay++));
      },
      { rounds: SLOW_ROUNDS },
    );
    const orgIds = (await owner.query<{ id: string }>('SELECT id FROM "Org"')).rows.map(
      (r) => r.id,
    );
    figures['daily snapshot of all orgs rss'] = await peakRss(() =>
      time(
        'daily snapshot of all orgs',
        async () => {
          const day = dayAhead(snapshotDay++);
          for (const id of orgIds) await services.dailyBalances.snapshot(id, day);
        },
        { rounds: SLOW_ROUNDS },
      ),
    );
    const reportFloorFile = path.join(dir, 'report-floor.csv');
    figures['account limits report rss'] = await peakRss(() =>
      time(
        'account limits report file (all orgs)',
        async () => {
          for (const id of orgIds) await services.reports.write(id, dateBefore(1), new Date());
        },
        {
          rounds: SLOW_ROUNDS,
          // The same reads, each batch written to a file as CSV lines
          floor: async (statements) => {
            const file = await open(reportFloorFile, 'w');
            try {
              for (const s of statements) {
                const rows = await replay(raw, [s]);
                if (rows.length > 0)
                  await file.write(rows.map((r) => r.join(',')).join('\n') + '\n');
              }
            } finally {
              await file.close();
            }
          },
        },
      ),
    );
    steps.push({ accounts: size, generatorSeconds, rows, bytes, figures });
  }

  const cleanup = await twoYearCleanup(owner, services, recorder, tenant, account);
  return {
    machine: machineDescription(),
    measuredAt: new Date().toISOString(),
    max,
    steps,
    cleanup,
  };
}

async function twoYearCleanup(
  owner: pg.Pool,
  services: ReturnType<typeof createServices>,
  recorder: ReturnType<typeof recordStatements>,
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
  const root = one;
  const plans: Record<string, unknown> = {};
  /** The plans of every statement `operation` sends, with the values it sent them with */
  const explain = async (name: string, operation: () => Promise<unknown>) => {
    const statements = dataStatements(await recorder.during(operation));
    const nodes: PlanNode[] = [];
    for (const s of statements) {
      const result = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${s.text}`,
        s.values,
      );
      nodes.push(...flatten(result.rows[0]!['QUERY PLAN'][0].Plan));
    }
    const scans = nodes.filter((n) => n['Relation Name']);
    const plan = {
      statements: statements.length,
      scans: scans.map((n) => `${n['Node Type']} on ${n['Relation Name']}`),
      // A bitmap heap scan reads what its bitmap index scan found; a sequential scan reads all
      sequentialScansOfGrowingTables: scans
        .filter((n) => n['Node Type'] === 'Seq Scan' && !smallTable(n['Relation Name']!))
        .map((n) => n['Relation Name']!),
      partitions: [...new Set(scans.map((n) => n['Relation Name']!))].filter((r) =>
        r.startsWith('AccountDailyBalance'),
      ),
    };
    plans[name] = plan;
    log(`plan of ${name}: ${JSON.stringify(plan)}`);
  };
  const program = (
    await owner.query<{ id: string }>(`SELECT "programId" AS id FROM "Account" WHERE id = $1`, [
      one,
    ])
  ).rows[0]!.id;
  const page = { limit: 50 };
  // This month's days so far: one monthly partition (a 30-day range spans two at most)
  await explain('daily balance range of one account, this month', () =>
    services.dailyBalances.page(
      tenant,
      one,
      { start: `${dateBefore(0).slice(0, 8)}01`, end: dateBefore(0) },
      { page: 1, perPage: DAYS },
    ),
  );
  await explain('daily balance range of one account, 30 days', () =>
    services.dailyBalances.page(
      tenant,
      one,
      { start: dateBefore(DAYS), end: dateBefore(1) },
      { page: 1, perPage: DAYS },
    ),
  );
  await explain('list accounts, first page', () => services.accounts.list(tenant, {}, page));
  await explain('list accounts by status, first page', () =>
    services.accounts.list(tenant, { status: 'BLOCKED' }, page),
  );
  await explain('list accounts by program, first page', () =>
    services.accounts.list(tenant, { programId: program }, page),
  );
  await explain('list accounts by parent, first page', () =>
    services.accounts.list(tenant, { parentAccountId: root }, page),
  );
  await explain('search accounts by customer document', () =>
    services.accounts.list(tenant, { customerDocument: 'DOC-15' }, page),
  );
  await explain('related overview', () => services.accountHierarchy.related(tenant, root));
  await explain('event feed page', () => services.events.list(tenant, {}, { limit: 100 }));
  await explain('status history of one account', () =>
    services.accountHistory.statusChanges(tenant, one, page),
  );
  const standalone = await account(STANDALONE_NORMAL);
  const { status } = (
    await owner.query<{ status: string }>(`SELECT status FROM "Account" WHERE id = $1`, [
      standalone,
    ])
  ).rows[0]!;
  await explain('status change', () =>
    services.accountStatus.change(
      tenant,
      standalone,
      { status: status === 'NORMAL' ? 'BLOCKED' : 'NORMAL' },
      { actor: 'scale' },
    ),
  );
  await explain('account limits report of one org', () =>
    services.reports.write(tenant.orgId, dateBefore(1), new Date()),
  );
  await explain('daily snapshot of one org', () =>
    services.dailyBalances.snapshot(tenant.orgId, dayAhead(400)),
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

/** Bytes on disk of each table with its indexes and TOAST (a partitioned one's partitions summed) */
async function tableBytes(owner: pg.Pool, tables: string[]): Promise<Record<string, number>> {
  const bytes: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await owner.query<{ bytes: string }>(
      `SELECT CASE WHEN c.relkind = 'p'
         THEN (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(c.oid))
         ELSE pg_total_relation_size(c.oid) END AS bytes
       FROM pg_class c WHERE c.oid = $1::regclass`,
      [pg.escapeIdentifier(table)],
    );
    bytes[table] = Number(rows[0]!.bytes);
  }
  return bytes;
}

/** The process's resident memory before `operation` and at its highest while it ran, in MB */
async function peakRss(operation: () => Promise<unknown>) {
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    await operation();
  } finally {
    clearInterval(sampler);
  }
  return { beforeMb: mb(before), peakMb: mb(Math.max(peak, process.memoryUsage().rss)) };
}

/** Runs statements one after the other on one connection of `url` (outside a transaction) */
async function withOwner(url: string, statements: string[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
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
