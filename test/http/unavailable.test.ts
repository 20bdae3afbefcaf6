import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../runtime/logger.js';
import { startProduct } from '../../runtime/product.js';
import { startTemporalDevServer } from '../../runtime/temporal.js';
import { freePort } from '../support/free-port.js';
import {
  createAccount,
  createOrgWithKey,
  createTestDatabase,
  eventually,
  httpClient,
  startTestProduct,
  testConfig,
  type HttpResponse,
  type TestProduct,
} from '../support/harness.js';

// A dependency that is momentarily out of reach (the database pool exhausted, the database or
// Temporal unreachable) is a 503 problem+json with Retry-After, never a 500: the request was
// fine and the same request a little later may well succeed.

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function expectUnavailable(response: HttpResponse): void {
  expect(response.status, JSON.stringify(response.body)).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(response.body).toMatchObject({
    type: '/problems/dependency-unavailable',
    status: 503,
    requestId: response.headers.get('x-request-id'),
  });
}

describe('an exhausted database pool', () => {
  const POOL_SIZE = 10;
  let product: TestProduct;

  it('answers 503 with Retry-After while every connection is taken, and serves again after', async () => {
    product = await startTestProduct(
      { api: true, worker: false },
      {
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        DATABASE_POOL_TIMEOUT_MS: '1000',
        // The key is checked once and then trusted, so the requests below need the pool for
        // their own work alone
        API_KEY_CACHE_SECONDS: '300',
      },
    );
    cleanups.push(() => product.stop());
    const { key } = await createOrgWithKey(product.http, 'Pool Bank');
    const { accountId } = await createAccount(product.http, key);
    const move = () =>
      product.http('POST', `/v1/accounts/${accountId}/transactions`, {
        key,
        json: { type: 'CASH_IN', amount: 100, currency: 'BRL' },
      });

    // The account's row locked by the test: each move waits on it holding one of the pool's
    // connections, until all of them are taken
    const lock = new pg.Client({ connectionString: product.database.url });
    await lock.connect();
    cleanups.push(() => lock.end());
    await lock.query('BEGIN');
    await lock.query('SELECT 1 FROM "Account" WHERE id = $1 FOR UPDATE', [accountId]);
    const blocked = Promise.all(Array.from({ length: POOL_SIZE }, move));
    try {
      // Asked outside the lock's transaction, which would see one snapshot of the statistics
      await eventually(async () => {
        const [{ waiting }] = await product.prisma.$queryRaw<[{ waiting: number }]>`
          SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        return waiting === POOL_SIZE ? true : undefined;
      });

      // A transaction that finds no connection (Prisma P2028), and a plain read (pg's pool timeout)
      expectUnavailable(await move());
      expectUnavailable(await product.http('GET', `/v1/accounts/${accountId}`, { key }));
    } finally {
      await lock.query('ROLLBACK');
    }
    // Each waiting move went through, or (had it waited past its transaction's timeout) was
    // refused as unavailable, changing nothing
    for (const response of await blocked) {
      if (response.status !== 201) expectUnavailable(response);
    }
    expect((await move()).status).toBe(201);
  });
});

/** A TCP path to PostgreSQL that the test can cut: closed, it refuses connections. */
async function cuttableRoute(target: {
  host: string;
  port: number;
}): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe('an unreachable database', () => {
  it('answers 503 with Retry-After (connection refused)', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const productUrl = new URL(database.productUrl);
    const route = await cuttableRoute({
      host: productUrl.hostname,
      port: Number(productUrl.port),
    });
    cleanups.push(() => route.cut());
    productUrl.port = String(route.port);
    const config = testConfig({
      DATABASE_URL: productUrl.toString(),
      DATABASE_MIGRATION_URL: database.url,
    });
    const running = await startProduct(config, createLogger({ logLevel: 'silent' }), {
      api: true,
      worker: false,
    });
    cleanups.push(() => running.stop());
    const http = httpClient(running.apiUrl!);
    const { key } = await createOrgWithKey(http, 'Unreachable Bank');
    expect((await http('GET', '/v1/accounts', { key })).status).toBe(200);

    await route.cut();
    // Through Prisma's model API and its raw queries both
    expectUnavailable(await http('GET', '/v1/accounts', { key }));
    expectUnavailable(await http('GET', '/v1/programs', { key }));
  });
});

describe('an unreachable Temporal', () => {
  it('answers 503 with Retry-After once the client gives up', async () => {
    const logger = createLogger({ logLevel: 'silent' });
    const temporal = await startTemporalDevServer({
      port: await freePort(),
      uiPort: 'headless',
      databaseFile: path.join(inject('scratchDir'), `unavailable-${Date.now()}`, 'temporal.db'),
      namespace: 'default',
      logger,
    });
    cleanups.push(() => temporal.stop());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const running = await startProduct(
      testConfig({
        DATABASE_URL: database.productUrl,
        DATABASE_MIGRATION_URL: database.url,
        TEMPORAL_ADDRESS: temporal.address,
      }),
      logger,
      { api: true, worker: false },
    );
    cleanups.push(() => running.stop());
    const http = httpClient(running.apiUrl!);
    const { key } = await createOrgWithKey(http, 'No Temporal Bank');

    await temporal.stop();
    const [query, list] = await Promise.all([
      // A query of a run (the client's ServiceError around gRPC UNAVAILABLE), and a visibility
      // list (the bare gRPC error)
      http('GET', '/v1/account-applications/0195f3a0-7c4e-7b1a-8d2e-3f4a5b6c7d8e', { key }),
      http('GET', '/v1/account-applications', { key }),
    ]);
    expectUnavailable(query);
    expectUnavailable(list);
  });
});
