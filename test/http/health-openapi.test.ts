import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../runtime/logger.js';
import { createPrisma } from '../../runtime/prisma.js';
import { startProduct } from '../../runtime/product.js';
import { startTemporalDevServer } from '../../runtime/temporal.js';
import { freePort } from '../support/free-port.js';
import {
  OPERATOR_KEY,
  createTestDatabase,
  eventually,
  httpClient,
  sampleOrg,
  startTestProduct,
  testConfig,
  type TestProduct,
} from '../support/harness.js';

let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct({ api: true, worker: false });
});
afterAll(async () => {
  await product?.stop();
});

describe('GET /healthz and GET /readyz', () => {
  it('report liveness alone, and both dependencies up', async () => {
    const live = await product.http('GET', '/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await product.http('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      checks: { database: { status: 'up' }, temporal: { status: 'up' } },
    });
  });

  it('answer HEAD with the headers alone, name the request, and refuse other methods', async () => {
    for (const route of ['/healthz', '/readyz']) {
      const head = await product.http('HEAD', route, { headers: { 'x-request-id': 'probe-1' } });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
      expect(head.headers.get('x-request-id')).toBe('probe-1');
      expect(head.body).toBeUndefined();
      const post = await product.http('POST', route);
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toContain('GET');
    }
  });

  it('/readyz answers 503 problem+json naming Temporal when it goes away; /healthz stays 200', async () => {
    const logger = createLogger({ logLevel: 'silent' });
    const server = await startTemporalDevServer({
      port: await freePort(),
      uiPort: 'headless',
      databaseFile: path.join(inject('scratchDir'), `health-${Date.now()}`, 'temporal.db'),
      namespace: 'default',
      logger,
    });
    const database = await createTestDatabase();
    const config = testConfig({
      DATABASE_URL: database.productUrl,
      DATABASE_MIGRATION_URL: database.url,
      TEMPORAL_ADDRESS: server.address,
    });
    const running = await startProduct(config, logger, { api: true, worker: false });
    try {
      const http = httpClient(running.apiUrl!);
      expect((await http('GET', '/readyz')).status).toBe(200);
      await server.stop();
      // A probe's answer is reused for a second; the next probe sees Temporal gone.
      const down = await eventually(async () => {
        const response = await http('GET', '/readyz');
        return response.status === 503 ? response : undefined;
      });
      expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(down.body).toMatchObject({
        type: '/problems/dependency-unavailable',
        status: 503,
        detail: 'not ready: temporal is down',
        instance: '/readyz',
        checks: { database: { status: 'up' }, temporal: { status: 'down' } },
      });
      // Liveness asks no dependency: the process still serves.
      const live = await http('GET', '/healthz');
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: 'ok' });
    } finally {
      await running.stop();
      await server.stop();
      await database.drop();
    }
  });
});

describe('GET /problems/:type', () => {
  it('describes each problem type a problem+json body names, and only those', async () => {
    const conflict = await product.http('GET', '/problems/transition-not-allowed?from=doc');
    expect(conflict.status).toBe(200);
    expect(conflict.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(conflict.body).toBe('Transition not allowed\n');
    expect(conflict.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unknown = await product.http('GET', '/problems/no-such-problem');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('org creation when Temporal refuses to start the workflow', () => {
  it('answers 503 and leaves no org behind', async () => {
    const database = await createTestDatabase();
    const config = testConfig({
      DATABASE_URL: database.productUrl,
      DATABASE_MIGRATION_URL: database.url,
      TEMPORAL_NAMESPACE: 'no-such-namespace',
    });
    const running = await startProduct(config, createLogger({ logLevel: 'silent' }), {
      api: true,
      worker: false,
    });
    try {
      const response = await httpClient(running.apiUrl!)('POST', '/v1/orgs', {
        key: OPERATOR_KEY,
        json: sampleOrg,
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      const prisma = createPrisma(database.url);
      expect(await prisma.org.count()).toBe(0);
      expect(await prisma.apiKey.count()).toBe(0);
      await prisma.$disconnect();
    } finally {
      await running.stop();
      await database.drop();
    }
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document generated from the request schemas', async () => {
    const { status, body: doc } = await product.http('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    // One document for every host it is asked on: its server is where it was fetched from
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/metrics',
        '/v1/orgs',
        '/v1/orgs/{orgId}',
        '/v1/orgs/{orgId}/onboarding',
        '/v1/orgs/{orgId}/onboarding/events',
      ]),
    );
    const createOrg = doc.paths['/v1/orgs'].post;
    expect(createOrg.operationId).toBe('createOrg');
    expect(createOrg.requestBody.content['application/json'].example).toMatchObject({
      legalName: 'Acme Pagamentos S.A.',
      address: { country: 'BR' },
    });
    expect(createOrg.responses['400'].content['application/problem+json'].example).toMatchObject({
      type: '/problems/validation',
      status: 400,
      errors: [expect.objectContaining({ field: 'body.legalName' })],
    });
    expect(createOrg.security).toEqual([{ operatorKey: [] }]);
    expect(createOrg.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    const schema = doc.components.schemas.CreateOrg;
    expect(schema.required).toEqual(expect.arrayContaining(['legalName', 'address', 'timeZone']));
    expect(schema.additionalProperties).toBe(false);
    expect(doc.components.schemas.Address.properties.country.pattern).toBe('^[A-Z]{2}$');
    expect(createOrg.responses['400'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    expect(doc.paths['/v1/orgs/{orgId}'].get.parameters).toContainEqual(
      expect.objectContaining({ name: 'orgId', in: 'path', required: true }),
    );
    const statusChange = doc.paths['/v1/accounts/{accountId}/status'].patch;
    expect(statusChange.parameters).toContainEqual(
      expect.objectContaining({ name: 'If-Match', in: 'header' }),
    );
    expect(Object.keys(statusChange.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '409', '412']),
    );
    expect(doc.components.schemas.AccountStatusChange.properties.status.enum).toEqual([
      'NORMAL',
      'BLOCKED',
      'CANCELLED',
    ]);
    expect(doc.paths['/v1/accounts/{accountId}/transactions'].post.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    // What every operation can answer however it is declared: Node's own 431 (as problem+json)
    // and a dependency momentarily unavailable, with the seconds to wait
    for (const [route, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(
        operations as Record<string, { responses: Record<string, any> }>,
      )) {
        const { 431: tooLarge, 503: unavailable } = operation.responses;
        expect(tooLarge?.content['application/problem+json'], `${method} ${route}`).toBeDefined();
        expect(unavailable?.headers?.['Retry-After']?.schema, `${method} ${route}`).toMatchObject({
          type: 'integer',
        });
      }
    }
  });

  it('is served from bytes built once, the same on every host, with a strong ETag that answers 304', async () => {
    const first = await product.http('GET', '/openapi.json');
    const other = await product.http('GET', '/openapi.json', {
      headers: { host: 'api.issuer.example' },
    });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(other.headers.get('etag')).toBe(etag);
    expect(other.body).toEqual(first.body);
    const again = await product.http('GET', '/openapi.json', {
      // fetch adds `Cache-Control: no-cache` to a conditional request unless it has its own
      headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });
});
