import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatLoadReport, MIN_ACCOUNTS, runLoad } from '../../bench/load.js';
import { createLogger } from '../../runtime/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

// `npm run load` at its smallest, against the suite's PostgreSQL (a database of its own) and
// Temporal dev server: the data set, 1 API and 1 worker as production runs them, a few seconds of
// the mix at a fixed rate. Every figure comes out and nothing fails; no timing is asserted.

const ROUTES = [
  'GET /v1/accounts',
  'GET /v1/accounts/:id',
  'GET /v1/accounts/:id/related',
  'GET /v1/accounts/:id/status-history',
  'PATCH /v1/accounts/:id/status',
  'POST /v1/account-applications',
  'POST /v1/account-applications/:id/submit',
];
const OTHERS = [
  'GET /v1/orgs/:id/onboarding',
  'GET /v1/webhook-endpoints/:id/deliveries',
  'GET /v1/webhook-endpoints',
];

/**
 * Generating the data set, starting two processes (up to two minutes each on a busy machine),
 * 5 s of load and the last webhooks' delivery (up to a minute)
 */
const RUN_MS = 300_000;

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('npm run load at 1,500 accounts for 5 s', () => {
  it(
    'answers every request of the mix, delivers every webhook and reports every figure',
    async () => {
      const report = await runLoad({
        servers: {
          ownerUrl: database.url,
          productUrl: database.productUrl,
          temporalAddress: inject('temporalAddress'),
        },
        dataDir: path.join(inject('scratchDir'), `load-${database.name}`),
        workflowBundle: inject('workflowBundlePath'),
        accounts: MIN_ACCOUNTS,
        apis: 1,
        workers: 1,
        durationSeconds: 5,
        // Two connections go through their cycle of 20 requests at least once in 5 s
        rate: 10,
        search: { startRate: 10, factor: 1.5, stageSeconds: 5, maxStages: 1 },
        connections: 2,
        temporalNamespace: 'default',
        logger: createLogger({ logLevel: 'warn' }),
        log: () => {},
      });
      console.log(formatLoadReport(report));

      expect(report.run.failures).toEqual([]);
      expect(report.run.errors).toBe(0);
      expect(report.run.requests).toBeGreaterThan(0);
      expect(Object.keys(report.run.routes)).toEqual(expect.arrayContaining(ROUTES));
      expect(
        Object.keys(report.run.routes).filter((r) => OTHERS.includes(r)).length,
      ).toBeGreaterThan(0);
      for (const [name, route] of Object.entries(report.run.routes)) {
        expect(route.errors, name).toBe(0);
        expect(route.p99Ms, name).toBeGreaterThanOrEqual(route.p50Ms);
      }
      // Status changes and applications wrote events; each reached the receiver
      expect(report.webhooks.expected).toBeGreaterThan(0);
      expect(report.webhooks.delivered).toBe(report.webhooks.expected);
      expect(report.processes.map((p) => p.name)).toEqual(['api 1', 'worker 1']);
      for (const p of report.processes) {
        for (const reading of [p.start, p.warm, p.end])
          expect(reading.rssMb, p.name).toBeGreaterThan(0);
        expect(p.end.cpuMs, p.name).toBeGreaterThanOrEqual(p.warm.cpuMs);
      }
      // The suite's PostgreSQL is not this run's own: no CPU reading of it
      expect(report.postgres.cpuMsPerRequest).toBeNull();
      expect(report.postgres.connections.max).toBeGreaterThan(0);
      for (const kind of ['workflow', 'activity'] as const)
        expect(report.taskQueueBacklog[kind].max).toBeGreaterThanOrEqual(0);
      expect(report.cleanStops).toBe(2);
    },
    RUN_MS,
  );
});
