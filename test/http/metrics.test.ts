import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  eventually,
  sampleOrg,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => {
  await product?.stop();
});

/** The value of one sample line, e.g. `name{labels} 3` */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('reports request latency by route pattern and status, the database pool and the Temporal SDK', async () => {
    const created = await product.http('POST', '/v1/orgs', { key: OPERATOR_KEY, json: sampleOrg });
    expect(created.status).toBe(201);
    const orgId: string = created.body.org.id;
    expect((await product.http('GET', `/v1/orgs/${orgId}`, { key: OPERATOR_KEY })).status).toBe(
      200,
    );
    expect((await product.http('GET', '/no/such/route')).status).toBe(404);
    expect((await product.http('GET', '/healthz')).status).toBe(200);

    const metrics = await eventually(async () => {
      const response = await product.http('GET', '/metrics');
      // The worker's first polls are recorded by the SDK's core a moment after it starts
      return typeof response.body === 'string' && response.body.includes('temporal_')
        ? response
        : undefined;
    });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text: string = metrics.body;
    const count = (labels: string) =>
      sample(text, `http_request_duration_seconds_count{${labels}}`);
    expect(count('method="POST",route="/v1/orgs",status="201"')).toBe(1);
    expect(count('method="GET",route="/v1/orgs/:orgId",status="200"')).toBe(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBe(1);
    expect(count('method="GET",route="/healthz",status="200"')).toBe(1);
    // Route patterns, never the ids in a path
    expect(text).not.toContain(orgId);
    expect(sample(text, 'db_pool_connections_total')).toBeGreaterThan(0);
    expect(sample(text, 'db_pool_requests_waiting')).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    // The SDK's core: worker polls and client requests
    expect(text).toMatch(/^temporal_\w+/m);
  });
});
