import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { formatReport, runScaleOut, startSharedServers } from '../test/support/scale-out.js';

// `npm run scale-out`: PostgreSQL and a Temporal server once, two API processes and two workers
// against them, a load spread over both APIs, one API and one worker killed mid-load; prints what
// was applied, duplicated and lost, and whether every workflow the load started completed.
// Exits 1 unless every write was applied exactly once and every workflow completed. With
// TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) set, that Temporal server is used instead of a dev
// server: `npm run temporal-cluster`'s, for one.

const logger = createLogger({ logLevel: 'info' });
const { temporal } = loadConfig();
const externalTemporal =
  temporal.server.mode === 'external'
    ? { address: temporal.server.address, namespace: temporal.namespace }
    : undefined;
const dir = await mkdtemp(path.join(os.tmpdir(), 'cie-scale-out-'));
let servers: Awaited<ReturnType<typeof startSharedServers>> | undefined;
try {
  servers = await startSharedServers(dir, logger, externalTemporal);
  const report = await runScaleOut({
    servers,
    dataDir: path.join(dir, 'product'),
    load: { accounts: 200, applications: 100, cashIns: 100, statusChanges: 100, concurrency: 16 },
    logger,
  });
  console.log(`\n${formatReport(report)}\n`);
  const sound =
    report.duplicated === 0 &&
    report.lost === 0 &&
    report.failed === 0 &&
    report.workflowsCompleted === report.workflowsStarted;
  if (!sound) process.exitCode = 1;
} catch (error) {
  logger.fatal({ err: error }, 'scale-out run failed');
  process.exitCode = 1;
} finally {
  await servers?.stop();
  await rm(dir, { recursive: true, force: true });
}
