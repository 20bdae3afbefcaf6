import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run temporal-actions -- --quick`: every long process is driven to its end (or steady
// state), its runs are counted, and every hot route is measured. No timing is asserted.

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Each process and the workflow type its runs have */
const PROCESSES: Record<string, string> = {
  'org onboarding (parent; children below)': 'orgOnboarding',
  'environment provisioning test': 'environmentProvisioning',
  'environment provisioning production': 'environmentProvisioning',
  'network certification VISA to certified': 'networkCertification',
  'network certification MASTERCARD to certified': 'networkCertification',
  'account application draft to approval': 'accountApplication',
  'temporary block ending': 'accountTemporaryBlock',
  'webhook delivery (steady state, one endpoint)': 'webhookEndpointDelivery',
  'daily snapshot/report run (one org, one day)': 'dailyAccountSnapshot',
  'data retention run (one day)': 'dataRetention',
};
const ROUTES = [
  'GET /v1/accounts/:id',
  'GET /v1/accounts?limit=50',
  'GET /v1/accounts/:id/related',
  'PATCH /v1/accounts/:id/status',
  'POST /v1/accounts with Idempotency-Key',
  'POST /v1/accounts without a key',
  'GET /v1/events?limit=50 (a page)',
];
const RUN_MS = 300_000;

interface Results {
  processes: {
    process: string;
    workflowTypes: string[];
    runs: number;
    events: number;
    historyBytes: number;
    actions: number;
    actionsByKind: Record<string, number>;
    timers: number;
    activities: number;
    perMonth: string;
  }[];
  http: {
    routes: {
      route: string;
      requests: number;
      p50Ms: number;
      apiCpuMsPerRequest: number;
      postgresCpuMsPerRequest: number;
    }[];
  };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cie-temporal-actions-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('npm run temporal-actions -- --quick', () => {
  it(
    'counts the runs of every long process and the CPU of every hot route',
    async () => {
      const out = path.join(scratch, 'temporal-actions.json');
      const { code, output } = await new Promise<{ code: number | null; output: string }>(
        (resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', 'scripts/temporal-actions.ts', '--quick', '--out', out],
            { cwd: root, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) =>
              resolve({ code: error ? (error.code as number) : 0, output: stdout + stderr }),
          );
        },
      );
      expect(code, output).toBe(0);
      const results = JSON.parse(await readFile(out, 'utf8')) as Results;
      expect(results.processes.map((p) => p.process)).toEqual(Object.keys(PROCESSES));
      for (const p of results.processes) {
        expect(p.workflowTypes, p.process).toEqual([PROCESSES[p.process]]);
        expect(p.runs, p.process).toBeGreaterThan(0);
        expect(p.events, p.process).toBeGreaterThan(0);
        expect(p.historyBytes, p.process).toBeGreaterThan(0);
        expect(p.actions, p.process).toBeGreaterThan(0);
        expect(p.activities, p.process).toBeGreaterThan(0);
        expect(p.perMonth, p.process).not.toBe('');
      }
      const byName = Object.fromEntries(results.processes.map((p) => [p.process, p]));
      // Two environments and two certifications, each child start billed twice in the parent
      expect(byName['org onboarding (parent; children below)']!.actionsByKind).toMatchObject({
        'child workflow started': 8,
      });
      expect(byName['temporary block ending']!.timers).toBeGreaterThan(0);
      expect(byName['data retention run (one day)']!.actionsByKind['schedule run']).toBe(2);
      expect(results.http.routes.map((r) => r.route)).toEqual(ROUTES);
      for (const r of results.http.routes) {
        expect(r.requests, r.route).toBeGreaterThan(0);
        expect(Number.isFinite(r.p50Ms), r.route).toBe(true);
        expect(r.apiCpuMsPerRequest, r.route).toBeGreaterThanOrEqual(0);
        expect(r.postgresCpuMsPerRequest, r.route).toBeGreaterThanOrEqual(0);
      }
    },
    RUN_MS,
  );
});
