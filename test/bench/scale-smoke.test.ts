import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run scale` at 1,500 accounts (200 with two years of balances): every figure, the clean-up
// runs and the plans come out. No timing is asserted.

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIGURES = [
  'list accounts',
  'list accounts by status',
  'list accounts by program',
  'list accounts by parent',
  'search accounts by customer document',
  'related overview',
  'status change',
  'event feed page',
  'daily balance range',
  'daily snapshot of one org',
  'daily snapshot of all orgs',
  'account limits report file (all orgs)',
];
const PLANS = [
  'daily balance range of one account, this month',
  'daily balance range of one account, 30 days',
  'list accounts, first page',
  'list accounts by status, first page',
  'list accounts by program, first page',
  'list accounts by parent, first page',
  'search accounts by customer document',
  'related overview',
  'event feed page',
  'status history of one account',
  'status change',
  'account limits report of one org',
  'daily snapshot of one org',
];
/** The reads timed against the same statements sent again through raw pg */
const FLOORED = [
  'list accounts',
  'list accounts by status',
  'list accounts by program',
  'list accounts by parent',
  'search accounts by customer document',
  'related overview',
  'event feed page',
  'daily balance range',
  'account limits report file (all orgs)',
];
const RUN_MS = 300_000;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cie-scale-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Results {
  steps: {
    accounts: number;
    generatorSeconds: number;
    rows: Record<string, number>;
    bytes: Record<string, number>;
    figures: Record<
      string,
      {
        p50Ms?: number;
        p99Ms?: number;
        nodeCpuMs?: number;
        postgresCpuMs?: number;
        rawPgP50Ms?: number;
        beforeMb?: number;
        peakMb?: number;
      }
    >;
  }[];
  cleanup: {
    backlog: { seconds: number; partitionsDropped: number; rowsDeleted: Record<string, number> };
    daily: { seconds: number };
    plans: Record<string, { statements: number; scans: string[]; partitions: string[] }>;
  };
}

describe('npm run scale -- --max 1500', () => {
  it(
    'generates the data set, measures every figure, cleans up two years and explains the hot paths',
    async () => {
      const out = path.join(scratch, 'scale-results.json');
      const { code, output } = await new Promise<{ code: number | null; output: string }>(
        (resolve) => {
          execFile(
            process.execPath,
            [
              '--import',
              'tsx',
              'scripts/scale.ts',
              '--max',
              '1500',
              '--history-accounts',
              '200',
              '--out',
              out,
            ],
            { cwd: root, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) =>
              resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
          );
        },
      );
      expect(code, output).toBe(0);
      const results = JSON.parse(await readFile(out, 'utf8')) as Results;
      expect(results.steps.map((s) => s.accounts)).toEqual([1500]);
      const [step] = results.steps;
      expect(step!.rows).toMatchObject({
        Account: 1500,
        AccountDailyBalance: 45_000,
        Event: 15_000,
      });
      expect(step!.rows.AccountStatusChange).toBeGreaterThan(0);
      for (const table of Object.keys(step!.rows))
        expect(step!.bytes[table], table).toBeGreaterThan(0);
      for (const name of FIGURES) {
        const f = step!.figures[name];
        expect(Number.isFinite(f?.p50Ms) && Number.isFinite(f?.p99Ms), name).toBe(true);
        // The capacity figures' inputs: every call costs CPU somewhere
        expect(f!.nodeCpuMs! + f!.postgresCpuMs!, name).toBeGreaterThan(0);
      }
      // Each floor replayed what the product sent: a floor that sent nothing measures nothing
      for (const name of FLOORED) expect(step!.figures[name]?.rawPgP50Ms, name).toBeGreaterThan(0);
      for (const name of ['account limits report rss', 'daily snapshot of all orgs rss'])
        expect(step!.figures[name]?.peakMb, name).toBeGreaterThanOrEqual(
          step!.figures[name]!.beforeMb!,
        );
      expect(results.cleanup.backlog.partitionsDropped).toBeGreaterThan(0);
      expect(results.cleanup.backlog.rowsDeleted.Event).toBeGreaterThan(0);
      expect(results.cleanup.daily.seconds).toBeGreaterThanOrEqual(0);
      expect(Object.keys(results.cleanup.plans).sort()).toEqual([...PLANS].sort());
      // Plans of the statements the services sent, recorded as they ran: none went unrecorded
      for (const name of PLANS)
        expect(results.cleanup.plans[name]!.statements, name).toBeGreaterThan(0);
      expect(
        results.cleanup.plans['daily balance range of one account, this month']!.partitions,
      ).toHaveLength(1);
    },
    RUN_MS,
  );
});
