import { randomBytes } from 'node:crypto';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import pg from 'pg';
import { expect, inject } from 'vitest';
import { loadConfig, type Config } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { createPrisma, type PrismaClient } from '../../runtime/prisma.js';
import type { ProductParts } from '../../runtime/compose.js';
import { startProduct, type Roles } from '../../runtime/product.js';

import { TEMPLATE_DATABASE, sampleOrg } from './constants.js';
export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';
export const SERVER_SECRET = 'test-server-secret-0123456789abcdef0123456789';
export const SESSION_SECRET = 'test-session-secret-0123456789abcdef0123456789';

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface TestDatabase {
  name: string;
  /** As the owner of its tables (the superuser): migrations and the tests' own checks */
  url: string;
  /** As the product's least-privilege role, as the product connects */
  productUrl: string;
  drop(): Promise<void>;
}

/** A database of this test file's own, migrated (cloned from the template) unless `empty`. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = uniqueName('test');
  await withAdmin((admin) =>
    admin.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)}${options.empty ? '' : ` TEMPLATE ${pg.escapeIdentifier(TEMPLATE_DATABASE)}`}`,
    ),
  );
  return {
    name,
    url: `${inject('postgresOwnerBaseUrl')}${name}`,
    productUrl: `${inject('postgresProductBaseUrl')}${name}`,
    drop: async () => {
      await withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

/**
 * Runs `meanwhile` while a write transaction (one that has an id, so the server-wide snapshot
 * xmin stays at it) is left open in another database of the same server.
 */
export async function whileWriteOpenElsewhere<T>(meanwhile: () => Promise<T>): Promise<T> {
  const elsewhere = await createTestDatabase({ empty: true });
  const open = new pg.Client({ connectionString: elsewhere.url });
  await open.connect();
  try {
    await open.query('BEGIN');
    await open.query('SELECT pg_current_xact_id()');
    return await meanwhile();
  } finally {
    await open.end();
    await elsewhere.drop();
  }
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: `${inject('postgresOwnerBaseUrl')}postgres` });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: inject('scratchDir'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: uniqueName('queue'),
    OPERATOR_API_KEY: OPERATOR_KEY,
    SERVER_SECRET: SERVER_SECRET,
    SESSION_SECRET: SESSION_SECRET,
    ...overrides,
  });
}

export interface TestProduct {
  baseUrl: string;
  config: Config;
  database: TestDatabase;
  /** What the product's composition root built (to call an activity as the worker would) */
  parts: ProductParts;
  /** Separate handles for the test's own assertions */
  prisma: PrismaClient;
  temporal: Client;
  http: HttpClient;
  stop(): Promise<void>;
}

/** The real product (API and/or worker) on an ephemeral port, against its own database. */
export async function startTestProduct(
  roles: Roles = { api: true, worker: true },
  env: Record<string, string> = {},
  clientInterceptors?: ClientInterceptors,
): Promise<TestProduct> {
  const database = await createTestDatabase();
  const config = testConfig({
    DATABASE_URL: database.productUrl,
    DATABASE_MIGRATION_URL: database.url,
    ...env,
  });
  const product = await startProduct(config, createLogger(config), roles, {
    workflowBundlePath: inject('workflowBundlePath'),
    clientInterceptors,
  });
  const prisma = createPrisma(database.url, { maxConnections: 4 });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const baseUrl = product.apiUrl ?? '';
  return {
    baseUrl,
    config,
    database,
    parts: product.parts,
    prisma,
    temporal: new Client({ connection, namespace: config.temporal.namespace }),
    http: httpClient(baseUrl),
    async stop() {
      await product.stop();
      await prisma.$disconnect();
      await connection.close();
      await database.drop();
    },
  };
}

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export type HttpClient = ReturnType<typeof httpClient>;

export function httpClient(baseUrl: string) {
  return async function request<T = any>(
    method: string,
    path: string,
    options: { key?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

export { sampleOrg };

/**
 * How long a step the product takes on its own (an activity, a child run) may take before a test
 * gives up on it: a worker that dies mid-step has it retried after the activity's start-to-close
 * timeout (at most 1 minute), and a machine busy with other work slows every step.
 */
export const PRODUCT_STEP_MS = 60_000;

/** Polls until `probe` returns a value; for waiting on asynchronous workflow progress. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = PRODUCT_STEP_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A new org through the API; returns its id and test-environment key. */
export async function createOrgWithKey(
  http: HttpClient,
  legalName = sampleOrg.legalName,
  networks: string[] = sampleOrg.networks,
): Promise<{ orgId: string; key: string }> {
  const response = await http('POST', '/v1/orgs', {
    key: OPERATOR_KEY,
    json: { ...sampleOrg, legalName, networks },
  });
  if (response.status !== 201)
    throw new Error(`org creation failed: ${JSON.stringify(response.body)}`);
  return { orgId: response.body.org.id, key: response.body.apiKey.token };
}

/** A program and a NORMAL account in it, through the API. */
export async function createAccount(
  http: HttpClient,
  key: string,
  options: { currency?: string; documentNumber?: string } = {},
): Promise<{ accountId: string; programId: string }> {
  const programs = await http('GET', '/v1/programs', { key });
  let program = programs.body.items.find(
    (p: { currency: string }) => p.currency === (options.currency ?? 'BRL'),
  );
  if (!program) {
    const created = await http('POST', '/v1/programs', {
      key,
      json: {
        name: `Gold ${options.currency ?? 'BRL'}`,
        type: 'PREPAID',
        cardNetwork: 'VISA',
        currency: options.currency ?? 'BRL',
      },
    });
    if (created.status !== 201)
      throw new Error(`program creation failed: ${JSON.stringify(created.body)}`);
    program = created.body;
  }
  const account = await http('POST', '/v1/accounts', {
    key,
    json: {
      programId: program.id,
      owner: {
        person: {
          name: 'Maria Silva',
          documentNumber: options.documentNumber ?? `DOC-${randomBytes(5).toString('hex')}`,
        },
      },
    },
  });
  if (account.status !== 201)
    throw new Error(`account creation failed: ${JSON.stringify(account.body)}`);
  return { accountId: account.body.id, programId: program.id };
}

/** An RFC 9457 problem with this status, its request id, and (if given) an error with this rule. */
export function expectProblem(response: HttpResponse, status: number, rule?: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    status,
    type: expect.stringMatching(/^\/problems\//),
    title: expect.any(String),
  });
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  if (rule) expect(response.body.errors).toContainEqual(expect.objectContaining({ rule }));
}

/**
 * A digest of every row of every table the product writes, to show that a refused request
 * changed nothing (any insert, update or delete changes it, except an API key's `lastUsedAt`,
 * which using a key records); with `environmentId`, of that environment's rows alone. One query
 * for all tables.
 */
export async function databaseFingerprint(
  prisma: PrismaClient,
  options: { except?: string[]; environmentId?: string } = {},
): Promise<string> {
  const tables = await prisma.$queryRaw<{ name: string; scoped: boolean }[]>`
    SELECT t.table_name AS name,
           EXISTS (SELECT 1 FROM information_schema.columns c
                   WHERE c.table_schema = 'public' AND c.table_name = t.table_name AND c.column_name = 'environmentId') AS scoped
    FROM information_schema.tables t
    WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> '_prisma_migrations'
      -- A partition's rows are its parent's
      AND NOT (SELECT relispartition FROM pg_class WHERE oid = format('%I.%I', t.table_schema, t.table_name)::regclass)
    ORDER BY t.table_name`;
  const environment = options.environmentId?.replace(/[^0-9a-f-]/g, '');
  const digests = tables
    .filter(
      ({ name, scoped }) =>
        !options.except?.includes(name) && (!environment || scoped || name === 'Environment'),
    )
    .map(({ name, scoped }) => {
      const where = !environment
        ? ''
        : scoped
          ? ` WHERE t."environmentId" = '${environment}'`
          : ` WHERE t.id = '${environment}'`;
      // An API key's lastUsedAt is bookkeeping a request may write, refused or not; not a change.
      const row = `(to_jsonb(t) - 'lastUsedAt')::text`;
      return `'${name}:' || coalesce((SELECT md5(string_agg(${row}, '|' ORDER BY ${row})) FROM "${name.replaceAll('"', '""')}" t${where}), '-')`;
    });
  const rows = await prisma.$queryRawUnsafe<{ digest: string }[]>(
    `SELECT ${digests.join(" || ',' || ")} AS digest`,
  );
  return rows[0]!.digest;
}

/**
 * Moves an account's ledger rows back in time, for tests of days gone by. The ledger refuses
 * rewrites; this takes a superuser session that switches the guard off, which the product's own
 * role cannot do.
 */
export async function backdateLedger(
  prisma: PrismaClient,
  where: { accountId: string; amount?: bigint },
  createdAt: Date,
): Promise<void> {
  await prisma.$transaction([
    prisma.$executeRaw`SET LOCAL session_replication_role = replica`,
    prisma.accountTransaction.updateMany({ where, data: { createdAt } }),
  ]);
}
