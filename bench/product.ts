import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRODUCT_ROLE } from '../runtime/database-roles.js';
import { freePort } from '../test/support/free-port.js';
import { onStop, spawnNode, type NodeChild } from './lifecycle.js';

// The product under test runs as users run it: `bin/start.ts` in a child process of its own,
// with its own embedded PostgreSQL and Temporal dev server. The bench talks to it over HTTP and
// reaches its database and Temporal only for baselines and seeding.

export const OPERATOR_KEY = 'bench-operator-key-0123456789abcdef';
const SERVER_SECRET = '5e'.repeat(32);
const TASK_QUEUE = 'card-issuing-bench';
const DATABASE = 'card_issuing';
const SUPERUSER = 'postgres';
const HEALTHY_WITHIN_MS = 120_000;
const STOP_WITHIN_MS = 30_000;

/** Where one product lives: its data directory, ports and the environment it starts with. */
export interface ProductSetup {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  baseUrl: string;
  temporalAddress: string;
  taskQueue: string;
}

/** A fresh data directory and free ports, removed again when the bench stops. */
export async function newProductSetup(): Promise<ProductSetup> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cie-bench-'));
  onStop(`data directory ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const [http, postgres, temporal, temporalUi] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  return {
    dataDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PORT: String(http),
      EMBEDDED_POSTGRES_PORT: String(postgres),
      TEMPORAL_DEV_SERVER_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(temporalUi),
      OPERATOR_API_KEY: OPERATOR_KEY,
      SERVER_SECRET,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    },
    baseUrl: `http://127.0.0.1:${http}`,
    temporalAddress: `127.0.0.1:${temporal}`,
    taskQueue: TASK_QUEUE,
  };
}

export interface RunningProduct {
  /** From spawning the process to the first 200 from /healthz */
  secondsToHealthy: number;
  stop: () => Promise<void>;
}

/** Starts the product and resolves once /healthz answers 200; a failed start is stopped again. */
export async function startProduct(setup: ProductSetup): Promise<RunningProduct> {
  const started = performance.now();
  const child = spawnNode('the product', 'bin/start.ts', setup.env, {
    // What Ctrl-C sends: the product stops its worker, API, Temporal and PostgreSQL itself.
    signal: 'SIGINT',
    stopTimeoutMs: STOP_WITHIN_MS,
    afterExit: () => killLeftovers(setup.dataDir),
  });
  try {
    await untilHealthy(setup.baseUrl, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { secondsToHealthy: (performance.now() - started) / 1000, stop: child.stop };
}

async function untilHealthy(baseUrl: string, child: NodeChild): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (!child.running())
      throw new Error(
        `the product exited before it was healthy; its output ends:\n${child.tail()}`,
      );
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await Promise.race([sleep(20), child.exited]);
  }
  throw new Error(
    `the product was not healthy within ${HEALTHY_WITHIN_MS} ms; its output ends:\n${child.tail()}`,
  );
}

/**
 * A product (or start-up floor) that died without stopping leaves its PostgreSQL and Temporal
 * running; they are found through the pid files the product keeps for its own next start. One
 * that stopped has removed both files.
 */
export function killLeftovers(dataDir: string): void {
  for (const pidFile of ['postgres/postmaster.pid', 'temporal/temporal.db.pid']) {
    try {
      const pid = Number.parseInt(readFileSync(path.join(dataDir, pidFile), 'utf8'), 10);
      if (pid > 1) process.kill(pid, 'SIGKILL');
    } catch {
      // no such file, or no such process
    }
  }
}

/**
 * The embedded cluster's URLs, built as runtime/database.ts builds them from the passwords the
 * product generated: its own least-privilege login, and the tables' owner.
 */
export async function databaseUrls(
  setup: ProductSetup,
): Promise<{ product: string; owner: string }> {
  const credentials = JSON.parse(
    await readFile(path.join(setup.dataDir, 'postgres-credentials.json'), 'utf8'),
  ) as { superuser: string; product: string };
  const url = (user: string, password: string) =>
    `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${setup.env.EMBEDDED_POSTGRES_PORT}/${DATABASE}`;
  return {
    product: url(PRODUCT_ROLE, credentials.product),
    owner: url(SUPERUSER, credentials.superuser),
  };
}
