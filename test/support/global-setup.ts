import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../runtime/logger.js';
import { applyMigrations } from '../../runtime/migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../runtime/postgres.js';
import { startTemporalDevServer } from '../../runtime/temporal.js';
import { workflowsPath } from '../../runtime/worker.js';
import { freePort } from './free-port.js';

// One real PostgreSQL and one real Temporal dev server for the whole run. Each test file gets its
// own database cloned from a migrated template, and its own task queue.

import { TEMPLATE_DATABASE } from './constants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection URLs without the database name: the owner (superuser) and the product's role */
    postgresOwnerBaseUrl: string;
    postgresProductBaseUrl: string;
    temporalAddress: string;
    workflowBundlePath: string;
    scratchDir: string;
  }
}

export default async function setup(project: TestProject) {
  const logger = createLogger({ logLevel: 'warn' });
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'cie-test-'));
  // PostgreSQL runs as its own unprivileged user and must reach its data directory in here.
  await chmod(scratchDir, 0o755);
  const postgresPort = await freePort();
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(scratchDir, 'postgres'),
    port: postgresPort,
    logger,
  });
  await createDatabaseIfMissing(postgres.ownerUrl('postgres'), TEMPLATE_DATABASE);
  await applyMigrations(postgres.ownerUrl(TEMPLATE_DATABASE));
  await postgres.enableProductLogin();

  const temporal = await startTemporalDevServer({
    port: await freePort(),
    uiPort: 'headless',
    databaseFile: path.join(scratchDir, 'temporal', 'temporal.db'),
    namespace: 'default',
    logger,
  });

  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { ...silentLogger } });
  const workflowBundlePath = path.join(scratchDir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('postgresOwnerBaseUrl', postgres.ownerUrl(''));
  project.provide('postgresProductBaseUrl', postgres.productUrl(''));
  project.provide('temporalAddress', temporal.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('scratchDir', scratchDir);

  return async () => {
    await temporal.stop();
    await postgres.stop();
    await rm(scratchDir, { recursive: true, force: true });
  };
}

const silentLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
