import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../runtime/leftover-process.js';
import { POSTGRES_STOP_GRACE_MS } from '../../runtime/postgres-process.js';
import { DEV_SERVER_STOP_GRACE_MS } from '../../runtime/temporal.js';
import { PRODUCT_STEP_MS, eventually } from '../support/harness.js';
import {
  startEntryPoint,
  startNpmScript,
  wholeProductEnv,
  type RunningEntryPoint,
} from '../support/processes.js';

// The whole product started as from a terminal, then stopped the way a terminal or a process
// manager stops it: a signal to its whole foreground process group. PostgreSQL and the Temporal
// dev server run in process groups of their own, so the product alone receives it and stops
// everything in the documented order, idle or while clients keep sending. How long a stop takes
// is a benchmark figure (`npm run bench`), not asserted here.

/** Start-up includes initdb, the Temporal dev server and (if not cached) bundling the workflows */
const START_TIMEOUT_MS = 180_000;
/** HTTP_DRAIN_SECONDS the products here run with */
const DRAIN_SECONDS = 2;
/**
 * The longest an orderly stop may take: the API's drain, the worker's (activities under way end,
 * a step of the product's own), then the Temporal dev server's and PostgreSQL's grace periods.
 * A process still running after that is not stopping.
 */
const STOP_DEADLINE_MS =
  DRAIN_SECONDS * 1000 + PRODUCT_STEP_MS + DEV_SERVER_STOP_GRACE_MS + POSTGRES_STOP_GRACE_MS;
/** Kept-alive clients sending at once, as in the issue */
const CLIENTS = 8;
/** Answers each client has before the signal: requests are flowing */
const ANSWERS_BEFORE_SIGNAL = 10;
/**
 * The most answers a client takes after the signal: far more than a stopping API serves one
 * client (the request under way, and one that crossed the signal), so a run that reaches it
 * shows the API still taking requests, and the clients stop there.
 */
const MOST_ANSWERS_AFTER_SIGNAL = 40;

interface Started {
  product: RunningEntryPoint;
  dataDir: string;
  baseUrl: string;
  postgresPid: number;
  temporalPid: number;
}

const started: Started[] = [];

afterEach(async () => {
  // Only if a test failed half-way: nothing may outlive it.
  for (const { product, dataDir } of started.splice(0)) {
    await product.killGroup();
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

const OPERATOR_KEY = 'shutdown-operator-key-0123456789abcdef';

async function start(how: 'bin/start.ts' | 'npm start'): Promise<Started> {
  const { dataDir, port, env } = await wholeProductEnv('shutdown', OPERATOR_KEY);
  env.HTTP_DRAIN_SECONDS = String(DRAIN_SECONDS);
  const product =
    how === 'npm start'
      ? await startNpmScript('start', env, 'worker running', START_TIMEOUT_MS)
      : await startEntryPoint(how, env, 'worker running', START_TIMEOUT_MS);
  const pidIn = (file: string) =>
    Number.parseInt(readFileSync(path.join(dataDir, file), 'utf8'), 10);
  const running = {
    product,
    dataDir,
    baseUrl: `http://127.0.0.1:${port}`,
    postgresPid: pidIn('postgres/postmaster.pid'),
    temporalPid: pidIn('temporal/temporal.db.pid'),
  };
  started.push(running);
  return running;
}

/**
 * Sends `signal` to the product's whole process group and waits until every process in it that
 * holds its output has exited (npm's `sh` dies of the signal at once, and npm with it, while the
 * product goes on stopping).
 */
async function signalGroup(
  { product }: Started,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const closed = once(product.child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  process.kill(-product.child.pid!, signal);
  const outcome = await Promise.race([closed, sleep(STOP_DEADLINE_MS, 'still running' as const)]);
  if (outcome === 'still running')
    throw new Error(`not stopped ${STOP_DEADLINE_MS} ms after ${signal}:\n${tail(product)}`);
  return { code: outcome[0], signal: outcome[1] };
}

const tail = (product: RunningEntryPoint) => product.output().slice(-3000);

function messages(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [(JSON.parse(line) as { msg: string }).msg];
    } catch {
      return [];
    }
  });
}

const STOP_ORDER = [
  'API stopped',
  'worker stopped',
  'Temporal dev server stopped',
  'embedded PostgreSQL stopped',
  'stopped',
];

/** It stopped everything in order, `stopped` last; the servers it started are gone with it. */
function expectStoppedInOrder(running: Started): void {
  const log = messages(running.product.output());
  const shutdown = log.slice(log.indexOf('shutting down'));
  expect(
    shutdown.filter((msg) => STOP_ORDER.includes(msg)),
    tail(running.product),
  ).toEqual(STOP_ORDER);
  expect(log.at(-1)).toBe('stopped');
  expect(isAlive(running.postgresPid)).toBe(false);
  expect(isAlive(running.temporalPid)).toBe(false);
}

/**
 * What the clients ask for, in turn: a list from the database, and the OpenAPI document, which
 * the API builds for each request (the busiest its event loop gets on one request)
 */
const ROUTES = ['/v1/orgs?limit=5', '/openapi.json'];

interface Answer {
  /** Whether the request was sent after the signal */
  afterSignal: boolean;
  status: number;
  /** The response's Connection header */
  connection: string | undefined;
}

interface Client {
  answers: Answer[];
  /** Errors of requests after the signal (connections closed or refused) */
  errorsAfterSignal: string[];
}

/**
 * `count` clients, each on one kept-alive connection (http.Agent keepAlive), each sending its
 * next request as soon as the last is answered, until nothing listens any more, the product has
 * exited, or it took MOST_ANSWERS_AFTER_SIGNAL answers after `signalled()`.
 */
function sendContinuously(baseUrl: string, count: number, signalled: () => boolean) {
  let productGone = false;
  const clients: Client[] = Array.from({ length: count }, () => ({
    answers: [],
    errorsAfterSignal: [],
  }));
  const get = (agent: http.Agent, route: string) =>
    new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const request = http.get(
        `${baseUrl}${route}`,
        { agent, headers: { authorization: `Bearer ${OPERATOR_KEY}` } },
        (response) => {
          response.resume();
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
          );
        },
      );
      request.on('error', reject);
    });
  let failure: Error | undefined;
  const loops = clients.map(async (client) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (;;) {
        const afterSignal = signalled();
        const taken = client.answers.filter((a) => a.afterSignal).length;
        if (productGone || taken >= MOST_ANSWERS_AFTER_SIGNAL) return;
        try {
          const route = ROUTES[client.answers.length % ROUTES.length]!;
          client.answers.push({ afterSignal, ...(await get(agent, route)) });
        } catch (error) {
          // Before the signal every request must be answered
          if (!signalled()) throw error;
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          client.errorsAfterSignal.push(code);
          // Nothing listens any more: a stopping API refuses new connections
          if (code === 'ECONNREFUSED') return;
        }
      }
    } catch (error) {
      failure ??= error as Error;
    } finally {
      agent.destroy();
    }
  });
  return {
    clients,
    /** Resolves once every client has had `n` answers */
    answered: (n: number) =>
      eventually(() => {
        if (failure) throw failure;
        return Promise.resolve(clients.every((c) => c.answers.length >= n) ? true : undefined);
      }),
    /** Stops the clients (the product has exited); throws what one failed with before the signal */
    end: async () => {
      productGone = true;
      await Promise.all(loops);
      if (failure) throw failure;
    },
  };
}

describe('stopping the product', () => {
  it(
    'Ctrl-C on an idle product stops the API, the worker, Temporal and PostgreSQL in that order',
    async () => {
      const running = await start('bin/start.ts');
      const exit = await signalGroup(running, 'SIGINT');
      expect(exit, tail(running.product)).toEqual({ code: 0, signal: null });
      expectStoppedInOrder(running);
    },
    START_TIMEOUT_MS + STOP_DEADLINE_MS,
  );

  it(
    'SIGTERM to `npm start` while kept-alive clients send stops it in the same order, taking no more requests in',
    async () => {
      const running = await start('npm start');
      let signalled = false;
      const load = sendContinuously(running.baseUrl, CLIENTS, () => signalled);
      await load.answered(ANSWERS_BEFORE_SIGNAL);
      signalled = true;
      await signalGroup(running, 'SIGTERM');
      await load.end();
      expectStoppedInOrder(running);
      const report = load.clients.map((c) => ({
        answeredAfterSignal: c.answers.filter((a) => a.afterSignal).length,
        last: c.answers.at(-1)?.connection,
        errors: c.errorsAfterSignal,
      }));
      for (const [i, client] of load.clients.entries()) {
        const after = client.answers.filter((a) => a.afterSignal);
        // The request under way at the signal, and one sent as it arrived: no more
        expect(after.length, JSON.stringify(report)).toBeLessThanOrEqual(2);
        expect(after.every((a) => a.status === 200)).toBe(true);
        // Its connection was closed: its last answer said so, or its next request found it closed
        expect(
          client.answers.at(-1)?.connection === 'close' || client.errorsAfterSignal.length > 0,
          `client ${i}: ${JSON.stringify(report[i])}`,
        ).toBe(true);
      }
    },
    START_TIMEOUT_MS + STOP_DEADLINE_MS,
  );
});
