import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../runtime/leftover-process.js';
import { freePort } from '../support/free-port.js';
import { startEntryPoint, type RunningEntryPoint } from '../support/processes.js';

// The whole product (bin/start.ts) started as from a terminal, then Ctrl-C: the terminal sends
// SIGINT to its whole foreground process group, which is what this test does. PostgreSQL and the
// Temporal dev server run in process groups of their own, so the product alone receives it and
// stops everything in the documented order.

/** Start-up includes initdb, the Temporal dev server and (if not cached) bundling the workflows */
const START_TIMEOUT_MS = 180_000;
/**
 * The bound: Ctrl-C on an idle product exits within 3 s. Measured at about 1.3 s on a
 * 2-core machine (most of it the Temporal dev server's own shutdown); the bound is the issue's,
 * not a margin added here.
 */
const EXIT_BOUND_MS = 3_000;

let dataDir: string | undefined;
let product: RunningEntryPoint | undefined;

afterAll(async () => {
  // Only if the test failed half-way: nothing may outlive it.
  await product?.killGroup();
  if (dataDir) {
    for (const pidFile of ['postgres/postmaster.pid', 'temporal/temporal.db.pid']) {
      const file = path.join(dataDir, pidFile);
      if (!existsSync(file)) continue;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}, 30_000);

function messages(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [(JSON.parse(line) as { msg: string }).msg];
    } catch {
      return [];
    }
  });
}

describe('Ctrl-C on an idle product', () => {
  it(
    'exits 0 within 3 s, stopping the API, the worker, Temporal and PostgreSQL in that order',
    async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'cie-shutdown-'));
      product = await startEntryPoint(
        'bin/start.ts',
        {
          NODE_ENV: 'test',
          LOG_LEVEL: 'info',
          DATA_DIR: dataDir,
          PORT: String(await freePort()),
          EMBEDDED_POSTGRES_PORT: String(await freePort()),
          TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
          TEMPORAL_UI_PORT: String(await freePort()),
          OPERATOR_API_KEY: 'shutdown-operator-key-0123456789abcdef',
        },
        'worker running',
        START_TIMEOUT_MS,
      );
      const postgresPid = Number.parseInt(
        readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8'),
        10,
      );
      const temporalPid = Number.parseInt(
        readFileSync(path.join(dataDir, 'temporal', 'temporal.db.pid'), 'utf8'),
        10,
      );

      const exited = once(product.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      const signalledAt = performance.now();
      process.kill(-product.child.pid!, 'SIGINT');
      const [code, signal] = await exited;
      const tookMs = performance.now() - signalledAt;

      expect({ code, signal }, product.output().slice(-3000)).toEqual({ code: 0, signal: null });
      const log = messages(product.output());
      const shutdown = log.slice(log.indexOf('shutting down'));
      expect(
        shutdown.filter((msg) =>
          [
            'API stopped',
            'worker stopped',
            'Temporal dev server stopped',
            'embedded PostgreSQL stopped',
            'stopped',
          ].includes(msg),
        ),
      ).toEqual([
        'API stopped',
        'worker stopped',
        'Temporal dev server stopped',
        'embedded PostgreSQL stopped',
        'stopped',
      ]);
      expect(tookMs).toBeLessThan(EXIT_BOUND_MS);
      // The servers ran in groups of their own, and the product stopped them: none outlives it.
      expect(isAlive(postgresPid)).toBe(false);
      expect(isAlive(temporalPid)).toBe(false);
      product = undefined;
    },
    START_TIMEOUT_MS + 30_000,
  );
});
