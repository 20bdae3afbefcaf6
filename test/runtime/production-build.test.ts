import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import {
  OPERATOR_KEY,
  SERVER_SECRET,
  SESSION_SECRET,
  createOrgWithKey,
  createTestDatabase,
  eventually,
  httpClient,
  uniqueName,
  type HttpClient,
  type TestDatabase,
} from '../support/harness.js';
import { startEntryPoint, type RunningEntryPoint } from '../support/processes.js';

// The production build (`npm run build`) as production runs it: the compiled API and worker
// entry points under plain node (no tsx, no TypeScript sources), the worker on the workflow
// bundle made at build time, with NODE_ENV=production against the run's PostgreSQL and Temporal.

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Compiling the whole product with tsc takes tens of seconds on a busy machine */
const BUILD_TIMEOUT_MS = 200_000;
const START_TIMEOUT_MS = 60_000;

let outDir: string;
let database: TestDatabase;
let http: HttpClient;
const processes: RunningEntryPoint[] = [];

beforeAll(
  async () => {
    // Inside the project, so the compiled code finds node_modules as dist/ does.
    const cache = path.join(root, 'node_modules', '.cache', 'card-issuing-engine');
    await mkdir(cache, { recursive: true });
    outDir = await mkdtemp(path.join(cache, 'production-build-'));
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build.ts', outDir], {
      cwd: root,
    });

    database = await createTestDatabase();
    const port = await freePort();
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      PORT: String(port),
      DATA_DIR: path.join(outDir, 'data'),
      DATABASE_URL: database.productUrl,
      DATABASE_MIGRATION_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: uniqueName('queue'),
      OPERATOR_API_KEY: OPERATOR_KEY,
      SERVER_SECRET,
      SESSION_SECRET,
    };
    const [api, worker] = await Promise.allSettled([
      startEntryPoint(path.join(outDir, 'bin/api.js'), env, 'API listening', START_TIMEOUT_MS),
      startEntryPoint(path.join(outDir, 'bin/worker.js'), env, 'worker running', START_TIMEOUT_MS),
    ]);
    for (const started of [api, worker])
      if (started.status === 'fulfilled') processes.push(started.value);
    for (const started of [api, worker]) if (started.status === 'rejected') throw started.reason;
    http = httpClient(`http://127.0.0.1:${port}`);
  },
  BUILD_TIMEOUT_MS + 2 * START_TIMEOUT_MS,
);

afterAll(async () => {
  for (const running of processes) await running.killGroup();
  await database?.drop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('serves the API and the pages from the compiled code', async () => {
    expect((await http('GET', '/healthz')).status).toBe(200);
    expect((await http('GET', '/openapi.json')).body.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await http('GET', '/ui/assets/diagram.js')).status).toBe(200);
  });

  it('runs workflows from the bundle made at build time', async () => {
    const { orgId } = await createOrgWithKey(http);
    // Provisioning the test environment is the worker's work: a workflow and its activities.
    const stage = await eventually(async () => {
      const response = await http('GET', `/v1/orgs/${orgId}/onboarding`, { key: OPERATOR_KEY });
      const testEnvironment = (
        response.body as { processes?: { process: string; stage: string }[] }
      ).processes?.find((p) => p.process === 'testEnvironment');
      return testEnvironment?.stage === 'ready' ? testEnvironment.stage : undefined;
    });
    expect(stage).toBe('ready');
  });
});
