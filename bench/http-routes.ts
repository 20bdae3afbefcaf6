import type { BenchContext } from './context.js';
import { startBareHttp } from './bare-http.js';
import { httpClient, type HttpAnswer, type HttpClient } from './http-client.js';
import { figure, measure, type Figure } from './measure.js';

// Throughput of two routes that need little or nothing of the product's dependencies, against a
// bare node:http server in its own process answering the same bytes: what Express, the
// middleware and the route add to an answer. The same client (this process) loads both, each
// warmed up with a full untimed run first (the client's and the servers' JIT).

const PROBLEM_PAGE = '/problems/not-found';
const HEALTHZ = '/healthz';

export async function benchRoutes(ctx: BenchContext): Promise<Figure[]> {
  const product = httpClient(ctx.baseUrl);
  try {
    const problemPage = await product.request('GET', PROBLEM_PAGE);
    const health = await product.request('GET', HEALTHZ);
    if (problemPage.status !== 200 || !problemPage.contentType.startsWith('text/plain'))
      throw new Error(`${PROBLEM_PAGE} answered ${problemPage.status} ${problemPage.contentType}`);
    if (health.status !== 200) throw new Error(`${HEALTHZ} answered ${health.status}`);

    const bareServer = await startBareHttp({ [PROBLEM_PAGE]: problemPage, [HEALTHZ]: health });
    const bare = httpClient(bareServer.baseUrl);
    try {
      const { concurrency, routes } = ctx.sizes;
      const workers = Array.from({ length: concurrency }, (_, i) => i);
      const load = `${concurrency} concurrent workers, ${routes.perWorker} requests each after an untimed run against both and ${routes.warmupPerWorker} warm-up`;
      const compare = async (
        name: string,
        goal: string,
        route: string,
        valid: (answer: HttpAnswer) => boolean,
        productLabel: string,
      ) => {
        const run = (client: HttpClient) =>
          measure(
            workers,
            async () => {
              const answer = await client.request('GET', route);
              if (!valid(answer))
                throw new Error(`${route} answered ${answer.status}: ${answer.body.toString()}`);
            },
            routes,
          );
        await run(bare);
        await run(product);
        const baseline = await run(bare);
        const measured = await run(product);
        return figure(
          name,
          'ops/s',
          goal,
          load,
          { label: productLabel, value: measured.throughput },
          {
            label: `bare node:http child answering the same bytes on ${route}`,
            value: baseline.throughput,
          },
        );
      };
      return [
        await compare(
          'route without database',
          '>= 0.6x',
          PROBLEM_PAGE,
          (answer) => answer.status === 200 && answer.body.equals(problemPage.body),
          `GET ${PROBLEM_PAGE} (text/plain, no database)`,
        ),
        await compare(
          'healthz',
          '>= 0.5x',
          HEALTHZ,
          (answer) =>
            answer.status === 200 &&
            (JSON.parse(answer.body.toString()) as { status?: string }).status === 'ok',
          `GET ${HEALTHZ}`,
        ),
      ];
    } finally {
      await bare.close();
      await bareServer.stop();
    }
  } finally {
    await product.close();
  }
}
