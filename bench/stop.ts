import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { onStop, repoRoot } from './lifecycle.js';
import { figure, median, type Figure } from './measure.js';
import { killLeftovers, OPERATOR_KEY, type ProductSetup } from './product.js';

// Seconds from SIGTERM to the whole `npm start` process group (what a terminal's Ctrl-C or a
// process manager sends) until every process in it has exited, the product having logged
// `stopped`: while kept-alive clients keep sending, against the same stop when idle. Rounds
// alternate idle and loaded, each on the warm data directory the other figures used.

const HEALTHY_WITHIN_MS = 120_000;
const STOP_WITHIN_MS = 60_000;
/** What the clients ask for in turn: a list from the database, and the OpenAPI document */
const ROUTES = ['/v1/orgs?limit=5', '/openapi.json'];

export async function benchStop(
  setup: ProductSetup,
  rounds: number,
  clients: number,
): Promise<Figure> {
  const idle: number[] = [];
  const loaded: number[] = [];
  for (let round = 0; round < rounds; round++) {
    idle.push(await timeStop(setup, 0));
    loaded.push(await timeStop(setup, clients));
  }
  return figure(
    'stop under load',
    's',
    '—',
    `${clients} kept-alive clients sending ${ROUTES.join(' and ')} in turn; median of ${rounds} round${rounds === 1 ? '' : 's'}, idle and loaded in turn`,
    {
      label: 'SIGTERM to the npm start process group while clients send, until all of it exited',
      value: median(loaded),
    },
    { label: 'the same, idle', value: median(idle) },
  );
}

/** Starts `npm start`, sends with `clients` clients once it answers, and times its stop. */
async function timeStop(setup: ProductSetup, clients: number): Promise<number> {
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...setup.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (output = (output + chunk).slice(-8_000)));
  }
  const closed = once(child, 'close');
  const killGroup = onStop('npm start', async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    killLeftovers(setup.dataDir);
    await Promise.resolve();
  });
  try {
    await untilAnswering(setup.baseUrl, () => output, closed);
    const sending = Array.from({ length: clients }, () => sendUntilRefused(setup.baseUrl));
    // Requests are flowing: every client has had an answer
    await Promise.all(sending.map((client) => client.answered));
    const signalledAt = performance.now();
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => void killGroup(), STOP_WITHIN_MS);
    await closed;
    clearTimeout(timer);
    const seconds = (performance.now() - signalledAt) / 1000;
    await Promise.all(sending.map((client) => client.done));
    if (!output.includes('"msg":"stopped"'))
      throw new Error(`npm start did not stop in order within ${STOP_WITHIN_MS} ms:\n${output}`);
    return seconds;
  } finally {
    await killGroup();
  }
}

async function untilAnswering(
  baseUrl: string,
  output: () => string,
  closed: Promise<unknown>,
): Promise<void> {
  let exited = false;
  void closed.then(() => (exited = true));
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`npm start exited before it answered:\n${output()}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      // /healthz answers before the worker runs; the stop is timed with everything up
      if (response.status === 200 && output().includes('"msg":"worker running"')) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`npm start was not up within ${HEALTHY_WITHIN_MS} ms:\n${output()}`);
}

/** One client on a kept-alive connection, sending until nothing listens any more. */
function sendUntilRefused(baseUrl: string): { answered: Promise<void>; done: Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let firstAnswer: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
  const get = (route: string) =>
    new Promise<void>((resolve, reject) => {
      http
        .get(
          `${baseUrl}${route}`,
          { agent, headers: { authorization: `Bearer ${OPERATOR_KEY}` } },
          (response) => {
            response.resume();
            response.on('error', reject);
            response.on('end', resolve);
          },
        )
        .on('error', reject);
    });
  const done = (async () => {
    try {
      for (let i = 0; ; i++) {
        try {
          await get(ROUTES[i % ROUTES.length]!);
          firstAnswer();
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return;
        }
      }
    } finally {
      agent.destroy();
    }
  })();
  return { answered, done };
}
