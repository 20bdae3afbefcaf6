import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { startProduct } from '../runtime/product.js';
import { freePort } from '../test/support/free-port.js';

export interface BenchContext {
  baseUrl: string;
  /** As the product connects (its least-privilege role) */
  databaseUrl: string;
  /** As the owner of the tables, for seeding and scratch tables */
  ownerDatabaseUrl: string;
  orgKey: string;
  createAccount(): Promise<string>;
  stop(): Promise<void>;
}

const OPERATOR_KEY = 'bench-operator-key-0123456789abcdef';

/** The whole product on free ports with a throw-away data directory, plus one org to bench in. */
export async function startBenchContext(): Promise<BenchContext> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cie-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    OPERATOR_API_KEY: OPERATOR_KEY,
  });
  const product = await startProduct(config, createLogger(config), { api: true, worker: true });
  const baseUrl = product.apiUrl!;
  const call = async (method: string, route: string, key: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { id: string; apiKey: { token: string } };
    if (!response.ok)
      throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const org = await call('POST', '/v1/orgs', OPERATOR_KEY, {
    legalName: 'Bench Bank',
    address: { line1: '1 Bench St', city: 'São Paulo', postalCode: '01000-000', country: 'BR' },
    timeZone: 'America/Sao_Paulo',
  });
  const orgKey = org.apiKey.token;
  const program = await call('POST', '/v1/programs', orgKey, {
    name: 'Bench',
    type: 'DEBIT',
    cardNetwork: 'VISA',
    currency: 'BRL',
  });
  let customers = 0;
  return {
    baseUrl,
    databaseUrl: product.databaseUrl,
    ownerDatabaseUrl: product.ownerDatabaseUrl,
    orgKey,
    async createAccount() {
      const account = await call('POST', '/v1/accounts', orgKey, {
        programId: program.id,
        owner: { person: { name: 'Bench Customer', documentNumber: `BENCH-${++customers}` } },
      });
      return account.id;
    },
    async stop() {
      await product.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
