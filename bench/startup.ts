import { timeStartupFloor } from './startup-floor.js';
import { figure, median, type Figure } from './measure.js';
import { startProduct, type ProductSetup, type RunningProduct } from './product.js';

// Seconds from spawning the product on a warm data directory until /healthz answers 200, against
// the floor (its PostgreSQL and Temporal dev server alone, in parallel, on the same directory).
// Rounds alternate floor and product; the last product started stays up for the other figures.

export async function benchStartup(
  setup: ProductSetup,
  running: RunningProduct,
  rounds: number,
): Promise<{ figure: Figure; product: RunningProduct }> {
  await running.stop();
  const floors: number[] = [];
  const products: number[] = [];
  let product = running;
  for (let round = 0; round < rounds; round++) {
    floors.push(await timeStartupFloor(setup));
    product = await startProduct(setup);
    products.push(product.secondsToHealthy);
    if (round < rounds - 1) await product.stop();
  }
  return {
    figure: figure(
      'start to healthy',
      's',
      '<= 1.3x',
      `warm data directory, median of ${rounds} alternating round${rounds === 1 ? '' : 's'}`,
      {
        label: 'node --import tsx bin/start.ts until GET /healthz answers 200',
        value: median(products),
      },
      {
        label: 'embedded PostgreSQL + migrations and Temporal dev server in parallel',
        value: median(floors),
      },
    ),
    product,
  };
}
