import { Client, Connection } from '@temporalio/client';
import { httpClient, jsonCaller, type JsonCall } from './http-client.js';
import { onStop } from './lifecycle.js';
import { databaseUrls, OPERATOR_KEY, type ProductSetup } from './product.js';

/** How much each figure does: the full run, or a smoke run that only proves every figure works. */
export interface Sizes {
  smoke: boolean;
  /** Concurrent workers of the throughput figures */
  concurrency: number;
  statusChanges: { perWorker: number; warmupPerWorker: number };
  /** Sequential p50 figures (Temporal calls, the related overview) */
  sequential: { perWorker: number; warmupPerWorker: number };
  routes: { perWorker: number; warmupPerWorker: number };
  hierarchy: { children: number; grandchildrenPerChild: number };
  startupRounds: number;
  snapshot: { accounts: number; perWorker: number; warmupPerWorker: number };
}

export function sizesFor(smoke: boolean): Sizes {
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error('BENCH_CONCURRENCY must be a positive integer');
  return smoke
    ? {
        smoke,
        concurrency,
        statusChanges: { perWorker: 4, warmupPerWorker: 2 },
        sequential: { perWorker: 4, warmupPerWorker: 2 },
        routes: { perWorker: 5, warmupPerWorker: 2 },
        hierarchy: { children: 2, grandchildrenPerChild: 2 },
        startupRounds: 1,
        snapshot: { accounts: 100, perWorker: 2, warmupPerWorker: 1 },
      }
    : {
        smoke,
        concurrency,
        statusChanges: { perWorker: 500, warmupPerWorker: 200 },
        sequential: { perWorker: 200, warmupPerWorker: 20 },
        routes: { perWorker: 500, warmupPerWorker: 50 },
        hierarchy: { children: 100, grandchildrenPerChild: 10 },
        startupRounds: 3,
        snapshot: { accounts: 100_000, perWorker: 3, warmupPerWorker: 1 },
      };
}

/** The running product, one org in it (certifying with Visa and Mastercard) and a program. */
export interface BenchContext {
  sizes: Sizes;
  baseUrl: string;
  /** As the product connects (its least-privilege role), for baselines of what it does */
  databaseUrl: string;
  /** As the owner of the tables, for seeding and scratch tables */
  ownerDatabaseUrl: string;
  /** A client of the product's Temporal, for baselines that call it directly */
  temporal: Client;
  taskQueue: string;
  operatorKey: string;
  orgId: string;
  environmentId: string;
  orgKey: string;
  programId: string;
  call: JsonCall;
  createAccount(): Promise<string>;
}

export async function createBenchContext(setup: ProductSetup, sizes: Sizes): Promise<BenchContext> {
  const urls = await databaseUrls(setup);
  const connection = await Connection.connect({ address: setup.temporalAddress });
  onStop('the Temporal connection', () => connection.close());
  const temporal = new Client({ connection, namespace: 'default' });

  const call = jsonCaller(httpClient(setup.baseUrl));

  const org = await call<{ org: { id: string }; apiKey: { token: string; environmentId: string } }>(
    'POST',
    '/v1/orgs',
    OPERATOR_KEY,
    {
      legalName: 'Bench Bank',
      address: {
        line1: '1 Bench St',
        city: 'São Paulo',
        region: 'SP',
        postalCode: '01000-000',
        country: 'BR',
      },
      timeZone: 'America/Sao_Paulo',
      networks: ['VISA', 'MASTERCARD'],
    },
    201,
  );
  const orgKey = org.apiKey.token;
  const program = await call<{ id: string }>(
    'POST',
    '/v1/programs',
    orgKey,
    { name: 'Bench', type: 'DEBIT', cardNetwork: 'VISA', currency: 'BRL' },
    201,
  );
  let customers = 0;
  return {
    sizes,
    baseUrl: setup.baseUrl,
    databaseUrl: urls.product,
    ownerDatabaseUrl: urls.owner,
    temporal,
    taskQueue: setup.taskQueue,
    operatorKey: OPERATOR_KEY,
    orgId: org.org.id,
    environmentId: org.apiKey.environmentId,
    orgKey,
    programId: program.id,
    call,
    async createAccount() {
      const account = await call<{ id: string }>(
        'POST',
        '/v1/accounts',
        orgKey,
        {
          programId: program.id,
          owner: { person: { name: 'Bench Customer', documentNumber: `BENCH-${++customers}` } },
        },
        201,
      );
      return account.id;
    },
  };
}
