import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLoadReport, runLoad } from '../bench/load.js';
import { onStop, repoRoot, stopAll } from '../bench/lifecycle.js';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { startSharedServers } from '../test/support/scale-out.js';

// `npm run load [-- --accounts N --duration S --apis N --workers M ...]`: an embedded PostgreSQL
// with the scale data set (bench/scale-data.ts), the Temporal dev server (or the server
// TEMPORAL_ADDRESS names, with TEMPORAL_NAMESPACE), N APIs and M workers as production runs them,
// and a mixed load stepped up until p99 or errors give out, then held for the whole duration at
// the highest rate that met both (bench/load.ts). Results go to bench/load-results.json.

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '600' },
    apis: { type: 'string', default: '1' },
    workers: { type: 'string', default: '1' },
    rate: { type: 'string' },
    'start-rate': { type: 'string', default: '20' },
    factor: { type: 'string', default: '1.5' },
    stage: { type: 'string', default: '30' },
    'max-stages': { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string', default: path.join(repoRoot, 'bench', 'load-results.json') },
  },
});
const integer = (name: keyof typeof values, min: number) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};
const factor = Number(values.factor);
if (!(factor > 1)) throw new Error('--factor must be > 1');

// An external Temporal's settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, credentials) go to the
// product's processes as they are, once the product's own config has accepted them.
const temporalEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[0].startsWith('TEMPORAL_') && entry[0] !== 'TEMPORAL_TASK_QUEUE' && Boolean(entry[1]),
  ),
);
const config = loadConfig({ NODE_ENV: 'test', ...temporalEnv });
const external = config.temporal.server.mode === 'external' ? config.temporal.server : undefined;

const logger = createLogger({ logLevel: 'warn' });
const log = (line: string) => console.log(`load: ${line}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopAll().finally(() => process.exit(1)));

const dir = await mkdtemp(path.join(os.tmpdir(), 'cie-load-'));
// PostgreSQL runs as its own unprivileged user and must reach its data directory in here.
await chmod(dir, 0o755);
onStop(`scratch directory ${dir}`, () => rm(dir, { recursive: true, force: true }));
try {
  const servers = await startSharedServers(
    dir,
    logger,
    external && { address: external.address, namespace: config.temporal.namespace },
  );
  onStop('PostgreSQL and Temporal', () => servers.stop());
  const report = await runLoad({
    servers,
    dataDir: path.join(dir, 'product'),
    accounts: integer('accounts', 1),
    apis: integer('apis', 1),
    workers: integer('workers', 1),
    durationSeconds: integer('duration', 1),
    rate: values.rate === undefined ? undefined : integer('rate', 1),
    search: {
      startRate: integer('start-rate', 1),
      factor,
      stageSeconds: integer('stage', 1),
      maxStages: integer('max-stages', 1),
    },
    connections: integer('connections', 1),
    temporalNamespace: config.temporal.namespace,
    env: temporalEnv,
    logger,
    log,
  });
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatLoadReport(report)}\n`);
  log(`results in ${values.out}`);
} catch (error) {
  console.error(`load failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
