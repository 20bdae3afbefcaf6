import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchContext, sizesFor } from './context.js';
import { benchDailySnapshot } from './daily-snapshot.js';
import { benchRoutes } from './http-routes.js';
import { repoRoot, stopAll } from './lifecycle.js';
import { machineDescription, table, type Figure } from './measure.js';
import { newProductSetup, startProduct } from './product.js';
import { benchRelatedAccounts } from './related-accounts.js';
import { benchStartup } from './startup.js';
import { benchStatusChange } from './status-change.js';
import { benchStop } from './stop.js';
import {
  benchApplicationStart,
  benchApplicationUpdate,
  benchOnboardingEvent,
} from './workflow-calls.js';

// `npm run bench [-- --smoke] [-- --out FILE]`: the product runs as a child process; this process
// generates the load and measures each figure's baseline in the same run. Whatever it started is
// stopped at the end, on a failure and on SIGINT/SIGTERM.

const { values } = parseArgs({
  options: { smoke: { type: 'boolean' }, out: { type: 'string' } },
});
const smoke = values.smoke === true || process.env.BENCH_SMOKE === '1';
const out = path.resolve(values.out ?? path.join(repoRoot, 'bench', 'results.json'));

let stopping = false;
/** Stops everything started, once, then exits; later failures are those of work cut short. */
function stopAndExit(code: number, message: string): void {
  if (stopping) return;
  stopping = true;
  console.error(message);
  void stopAll().finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // `on`, not `once`: npm relays a Ctrl-C, and a second signal must not cut the stop short.
  process.on(signal, () =>
    stopAndExit(
      signal === 'SIGINT' ? 130 : 143,
      `bench: ${signal}, stopping everything it started`,
    ),
  );
}
const failed = (error: unknown) =>
  stopAndExit(1, `bench failed: ${(error as Error).stack ?? String(error)}`);
// A stray error event (a pool losing its server) fails the run like any other error.
process.on('uncaughtException', failed);
process.on('unhandledRejection', failed);

async function main(): Promise<Figure[]> {
  const sizes = sizesFor(smoke);
  const setup = await newProductSetup();
  const first = await startProduct(setup);
  console.log(`bench: product up, data in ${setup.dataDir}`);
  const startup = await benchStartup(setup, first, sizes.startupRounds);
  const ctx = await createBenchContext(setup, sizes);
  const figures = [
    await benchStatusChange(ctx),
    await benchOnboardingEvent(ctx),
    await benchApplicationUpdate(ctx),
    await benchApplicationStart(ctx),
    ...(await benchRoutes(ctx)),
    await benchRelatedAccounts(ctx),
    startup.figure,
    await benchDailySnapshot(ctx),
  ];
  // Last: it starts and stops the product on the same data directory and ports
  await startup.product.stop();
  figures.push(await benchStop(setup, sizes.startupRounds, sizes.concurrency));
  for (const f of figures) {
    if (!Number.isFinite(f.ratio) || f.ratio <= 0)
      throw new Error(`${f.name}: ratio ${f.ratio} (${f.product.value} / ${f.baseline.value})`);
  }
  return figures;
}

try {
  const figures = await main();
  await stopAll();
  const results = {
    machine: machineDescription(),
    measuredAt: new Date().toISOString(),
    smoke,
    figures,
  };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(figures));
  console.log(`\nbench: ${smoke ? 'smoke run, ' : ''}results in ${out}`);
} catch (error) {
  failed(error);
}
