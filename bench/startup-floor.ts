import { fileURLToPath } from 'node:url';
import { spawnNode } from './lifecycle.js';
import { killLeftovers, type ProductSetup } from './product.js';

// The floor of the product's start-up: on the same data directory and configuration, only what
// the product needs underneath it, started in parallel: the embedded PostgreSQL with its
// migrations checked, and the Temporal dev server. It prints READY once both answer.

const entry = fileURLToPath(import.meta.url);
const READY = 'startup-floor: ready';

/** Spawns the floor with the product's environment; resolves with the seconds until it was ready. */
export async function timeStartupFloor(setup: ProductSetup): Promise<number> {
  const started = performance.now();
  const child = spawnNode('the start-up floor', entry, setup.env, {
    signal: 'SIGINT',
    stopTimeoutMs: 30_000,
    afterExit: () => killLeftovers(setup.dataDir),
  });
  try {
    await child.waitFor(new RegExp(`^${READY}$`, 'm'), 120_000);
    return (performance.now() - started) / 1000;
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  // A signal during the start stops what started once it has, rather than killing the process.
  const signalled = new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // Loaded here, so the bench process that only spawns the floor does not load them.
  const { loadConfig } = await import('../runtime/config.js');
  const { createLogger } = await import('../runtime/logger.js');
  const { openDatabase } = await import('../runtime/database.js');
  const { startTemporalDevServer } = await import('../runtime/temporal.js');
  const config = loadConfig();
  const logger = createLogger(config);
  const server = config.temporal.server;
  if (server.mode !== 'dev')
    throw new Error('the start-up floor starts its own Temporal dev server');
  const started = await Promise.allSettled([
    openDatabase(config, logger),
    startTemporalDevServer({
      port: server.port,
      uiPort: server.uiPort,
      databaseFile: server.databaseFile,
      namespace: config.temporal.namespace,
      cliPath: server.cliPath,
      logger,
    }),
  ]);
  const stopAll = () =>
    Promise.all(
      started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : Promise.resolve())),
    );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  console.log(READY);
  await signalled;
  await stopAll();
  // Without waiting for timers the servers' stops leave behind
  process.exit(0);
}

if (process.argv[1] === entry) await main();
