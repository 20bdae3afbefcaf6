import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../runtime/postgres.js';
import {
  applySchemas,
  prepareNamespace,
  provisionStore,
  startCluster,
  startWebUi,
  storeAt,
  type RunningCluster,
} from '../runtime/temporal-cluster.js';
import { ensureTemporalServerBuild, temporalServerBuild } from '../runtime/tools.js';

// `npm run temporal-cluster [-- --port 7233] [--shards 512] [--processes 4|1]
//   [--postgres-url postgresql://…] [--postgres-port 54339] [--postgres-connections 80]
//   [--ui-port 8233]`: a real Temporal cluster for the product to use through TEMPORAL_ADDRESS
// (README "A real Temporal cluster"). Builds the pinned release on first use, starts an embedded PostgreSQL of its own under DATA_DIR/temporal-cluster
// (or uses --postgres-url, whose login must own or be able to create the two databases), sets up
// and updates the schemas with the release's SQL tool, starts the four services, registers
// TEMPORAL_NAMESPACE with the product's search attributes, serves the Web UI (--ui-port, 1000
// above the frontend's), prints the address and runs until SIGINT/SIGTERM, then stops the Web UI,
// the services (frontend first) and PostgreSQL.

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7233' },
    shards: { type: 'string', default: '512' },
    processes: { type: 'string', default: '4' },
    'postgres-url': { type: 'string' },
    'postgres-port': { type: 'string', default: '54339' },
    'retention-days': { type: 'string', default: '3' },
    'postgres-connections': { type: 'string', default: '80' },
    'ui-port': { type: 'string' },
  },
});
const integer = (name: string, value: string, min: number, max: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};
const frontendPort = integer('port', values.port, 1024, 65535);
const numHistoryShards = integer('shards', values.shards, 1, 65536);
const processes = integer('processes', values.processes, 1, 4);
if (processes !== 1 && processes !== 4) throw new Error('--processes must be 4 or 1');
const retentionDays = integer('retention-days', values['retention-days'], 1, 3650);

const config = loadConfig();
const logger = createLogger({ logLevel: config.logLevel });
const dir = path.join(config.dataDir, 'temporal-cluster');
const databases = { temporal: 'temporal', visibility: 'temporal_visibility' };
const signalled = new Promise<NodeJS.Signals>((resolve) => {
  process.on('SIGINT', () => resolve('SIGINT'));
  process.on('SIGTERM', () => resolve('SIGTERM'));
});

let postgres: RunningPostgres | undefined;
let cluster: RunningCluster | undefined;
let ui: Awaited<ReturnType<typeof startWebUi>> | undefined;
try {
  await ensureTemporalServerBuild((line) => logger.info(line));
  let store;
  if (values['postgres-url']) {
    store = await storeAt(values['postgres-url'], databases);
  } else {
    postgres = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'postgres'),
      port: integer('postgres-port', values['postgres-port'], 1024, 65535),
      logger,
    });
    store = await provisionStore(postgres.ownerUrl('postgres'), { user: 'temporal', databases });
  }
  await applySchemas(temporalServerBuild, store, logger);
  const started = performance.now();
  cluster = await startCluster({
    serverBinary: temporalServerBuild.server,
    settings: {
      store,
      numHistoryShards,
      frontendPort,
      dir,
      processes,
      postgresConnections: integer(
        'postgres-connections',
        values['postgres-connections'],
        2,
        10_000,
      ),
    },
    logger,
  });
  const namespace = await prepareNamespace({
    address: cluster.address,
    namespace: config.temporal.namespace,
    retentionDays,
    timeoutMs: 120_000,
    logger,
  });
  ui = await startWebUi({
    uiServer: temporalServerBuild.uiServer,
    dir,
    frontendAddress: cluster.address,
    // Beside the frontend as the dev server's is: 8233 for 7233
    port: integer('ui-port', values['ui-port'] ?? String(frontendPort + 1000), 1024, 65535),
    namespace: config.temporal.namespace,
    logger,
  });
  logger.info(
    {
      version: temporalServerBuild.version,
      ui: ui.url,
      processes,
      numHistoryShards,
      postgres: `${store.host}:${store.port}/${databases.temporal},${databases.visibility}`,
      namespace: config.temporal.namespace,
      ...namespace,
      secondsToReady: Number(((performance.now() - started) / 1000).toFixed(1)),
      logs: path.join(dir, 'logs'),
    },
    'Temporal cluster ready',
  );
  console.log(
    `\nTEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${config.temporal.namespace} TEMPORAL_UI_URL=${ui.url}\n`,
  );
  logger.info({ reason: await signalled }, 'stopping the Temporal cluster');
} catch (error) {
  logger.fatal({ err: error }, 'the Temporal cluster could not start');
  process.exitCode = 1;
} finally {
  await ui?.stop();
  await cluster?.stop();
  await postgres?.stop();
  logger.info('stopped');
}
