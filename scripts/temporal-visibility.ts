import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentiles } from '../bench/measure.js';
import { ORGS } from '../bench/scale-data.js';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { openTemporal } from '../runtime/temporal.js';
import { createApplicationProcesses } from '../processes/applications.js';
import { randomIds } from '../services/ids.js';

// `TEMPORAL_ADDRESS=… npm run temporal-visibility [-- --steps 10000,100000] [--concurrency 32]
//   [--rounds 50] [--out FILE]` (bench/temporal-visibility-results.json unless given): account application runs started through the product's own code
// (processes/applications.ts: its workflow ids, memo and OrgId / EnvironmentId / Stage search
// attributes) until the namespace holds each step's count, spread over the scale data set's 100
// orgs, a quarter submitted and the rest drafts; then p50/p99 of the visibility queries the product
// and an operator send at that count. The runs go to a task queue no worker polls, so they stay
// as they were started (what a list sees of a run is what it was started or last upserted with).
// Meant for the real cluster of `npm run temporal-cluster` (SQL visibility on PostgreSQL).

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000,100000' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '50' },
    out: {
      type: 'string',
      default: fileURLToPath(new URL('../bench/temporal-visibility-results.json', import.meta.url)),
    },
  },
});
const steps = values.steps.split(',').map(Number);
if (!steps.every((n) => Number.isInteger(n) && n >= ORGS))
  throw new Error(`--steps must be integers >= ${ORGS}, comma-separated`);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

const config = loadConfig();
if (config.temporal.server.mode !== 'external')
  throw new Error(
    'set TEMPORAL_ADDRESS to the Temporal server to measure (npm run temporal-cluster)',
  );
const logger = createLogger({ logLevel: 'warn' });
const log = (message: string) => console.log(`temporal-visibility: ${message}`);

/** The scale data set's org and environment ids (bench/scale-data.ts), computed here */
const scaleId = (kind: string, o: number) => {
  const hex = [...createHash('md5').update(`${kind}${o}`).digest('hex')];
  hex[12] = '4';
  hex[16] = '8';
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const tenantOf = (o: number) => ({ orgId: scaleId('org', o), environmentId: scaleId('env', o) });
const APPLICATIONS = `WorkflowType = 'accountApplication'`;

const temporal = await openTemporal(config, logger);
const { client } = temporal;
const namespace = config.temporal.namespace;
const applications = createApplicationProcesses({
  temporal: client,
  serverSecret: randomBytes(32).toString('hex'),
  taskQueue: 'visibility-measurement',
  draftExpiresAfterMs: config.applicationDraftExpiresAfterMs,
  searchAttributes: true,
});
const count = async (query: string) =>
  Number((await client.workflowService.countWorkflowExecutions({ namespace, query })).count);
const round = (n: number) => Number(n.toFixed(2));

const results: unknown[] = [];
try {
  for (const target of steps) {
    const existing = await count(APPLICATIONS);
    const toStart = Math.max(0, target - existing);
    log(`${existing} application runs in ${namespace}; starting ${toStart} more`);
    const startLatencies: number[] = [];
    // A start the cluster did not answer in time (a busy machine) is counted and not retried:
    // its run may exist, and the product's retry of it would query a run no worker takes.
    let failed = 0;
    let next = existing;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < target) {
          const i = next++;
          const t = performance.now();
          try {
            await applications.create(
              tenantOf((i % ORGS) + 1),
              {
                programId: scaleId('prog', (i % ORGS) + 1),
                applicant: { person: { name: `Applicant ${i}`, documentNumber: `${i}` } },
              },
              i % 4 === 0,
              { actor: 'visibility-measurement' },
              randomIds(),
            );
            startLatencies.push(performance.now() - t);
          } catch (error) {
            if (failed++ === 0) log(`a start failed: ${(error as Error).message}`);
          }
          if (i % 10_000 === 0 && i > existing) log(`${i} started`);
        }
      }),
    );
    const startSeconds = (performance.now() - started) / 1000;
    // Visibility is written by the history service after the start: wait until it counts them all
    const written = performance.now();
    const expected = existing + startLatencies.length;
    while ((await count(APPLICATIONS)) < expected) await new Promise((r) => setTimeout(r, 200));
    const visibilityLagSeconds = (performance.now() - written) / 1000;
    const sorted = startLatencies.sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

    const org = (i: number) => tenantOf(((i * 37) % ORGS) + 1);
    const queries: Record<string, (i: number) => Promise<unknown>> = {
      "list (the API's): OrgId + EnvironmentId, 50 newest": (i) =>
        applications.list(org(i), {}, { limit: 50 }),
      "list (the API's): OrgId + EnvironmentId + Stage = 'SUBMITTED', 50 newest": (i) =>
        applications.list(org(i), { status: 'SUBMITTED' }, { limit: 50 }),
      "count OrgId = '…'": (i) => count(`OrgId = '${org(i).orgId}'`),
      "count OrgId = '…' AND Stage = 'DRAFT'": (i) =>
        count(`OrgId = '${org(i).orgId}' AND Stage = 'DRAFT'`),
      "count Stage = 'SUBMITTED' (every org)": () => count(`Stage = 'SUBMITTED'`),
      "count WorkflowType = 'accountApplication'": () => count(APPLICATIONS),
    };
    const timings: Record<string, { p50Ms: number; p99Ms: number }> = {};
    for (const [name, query] of Object.entries(queries)) {
      const { p50Ms, p99Ms } = await percentiles(
        async (i) => {
          await query(i);
        },
        { rounds, warmup: 5 },
      );
      timings[name] = { p50Ms: round(p50Ms), p99Ms: round(p99Ms) };
    }
    const result = {
      applicationRuns: target,
      perOrg: target / ORGS,
      started: startLatencies.length,
      startsFailed: failed,
      startsPerSecond: toStart > 0 ? round(startLatencies.length / startSeconds) : undefined,
      startP50Ms: toStart > 0 ? round(at(0.5)!) : undefined,
      startP99Ms: toStart > 0 ? round(at(0.99)!) : undefined,
      visibilityLagSeconds: round(visibilityLagSeconds),
      queries: timings,
    };
    results.push(result);
    console.log(JSON.stringify(result, null, 2));
  }
  await writeFile(
    path.resolve(values.out),
    `${JSON.stringify({ address: temporal.address, namespace, concurrency, rounds, results }, null, 2)}\n`,
  );
} finally {
  await temporal.close();
}
