import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, sampleOrg, type HttpClient, type HttpResponse } from '../support/harness.js';
import { startEntryPoint, wholeProductEnv, type RunningEntryPoint } from '../support/processes.js';

// The whole product (bin/start.ts: API, worker, Temporal dev server, embedded PostgreSQL) is
// killed with SIGKILL while 42 creating writes are in flight, started again on the same data,
// and every client retries with its Idempotency-Key until it gets an answer. Every write must be
// applied exactly once, and every answer must match the database.

const OPERATOR_KEY = 'crash-operator-key-0123456789abcdef';
/** Start-up includes initdb, the Temporal dev server and bundling the workflows; slow on a busy machine */
const START_TIMEOUT_MS = 180_000;

let dataDir: string;
let env: Record<string, string>;
let product: RunningEntryPoint | undefined;
let http: HttpClient;
let db: pg.Client | undefined;

async function startProduct(): Promise<void> {
  product = await startEntryPoint('bin/start.ts', env, 'API listening', START_TIMEOUT_MS);
}

/**
 * SIGKILL to everything the product runs: its own process group (node) and those of the servers
 * it started, each in a group of its own (PostgreSQL with its backends, the Temporal dev server).
 */
async function killEverything(): Promise<void> {
  const serverPids = ['postgres/postmaster.pid', 'temporal/temporal.db.pid'].map((file) =>
    Number.parseInt(readFileSync(path.join(dataDir, file), 'utf8'), 10),
  );
  await product?.killGroup();
  for (const pid of serverPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
}

beforeAll(async () => {
  let port: number;
  ({ dataDir, port, env } = await wholeProductEnv('crash', OPERATOR_KEY));
  http = httpClient(`http://127.0.0.1:${port}`);
  await startProduct();
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await db?.end();
  if (product) {
    product.child.kill('SIGINT');
    await Promise.race([
      new Promise((resolve) => product!.child.once('exit', resolve)),
      sleep(30_000),
    ]);
    await killEverything().catch(() => undefined);
  }
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

interface Write {
  name: string;
  method: string;
  path: string;
  key: string;
  json: unknown;
  headers: Record<string, string>;
  expected: number;
}

async function send(write: Write): Promise<HttpResponse> {
  return http(write.method, write.path, {
    key: write.key,
    json: write.json,
    headers: write.headers,
  });
}

/** What a client does after a crash: the same request, with the same key, until it is answered. */
async function retryUntilAnswered(write: Write, deadline: number): Promise<HttpResponse> {
  for (;;) {
    try {
      const response = await send(write);
      const stillRunning =
        response.status === 409 && response.body?.type === '/problems/idempotency-key-in-progress';
      if (!stillRunning && response.status < 500) return response;
    } catch {
      // the product is not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${write.name} got no answer in time`);
    await sleep(250);
  }
}

async function ok<T = any>(response: Promise<HttpResponse<T>>, status = 201): Promise<T> {
  const answered = await response;
  if (answered.status !== status)
    throw new Error(`${answered.status}: ${JSON.stringify(answered.body)}`);
  return answered.body;
}

describe('a SIGKILL of the whole product with 42 creating writes in flight', () => {
  it(
    'applies every write exactly once after a restart and client retries, and each answer matches the database',
    async () => {
      // An org, two programs and twelve accounts to move money on and migrate
      const org = await ok(
        http('POST', '/v1/orgs', {
          key: OPERATOR_KEY,
          json: { ...sampleOrg, legalName: 'Crash Bank' },
        }),
      );
      const key: string = org.apiKey.token;
      const program = await ok(
        http('POST', '/v1/programs', {
          key,
          json: { name: 'Base', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
      );
      const target = await ok(
        http('POST', '/v1/programs', {
          key,
          json: { name: 'Target', type: 'PREPAID', cardNetwork: 'VISA', currency: 'BRL' },
        }),
      );
      const accounts: string[] = [];
      for (let i = 0; i < 12; i++) {
        const account = await ok(
          http('POST', '/v1/accounts', {
            key,
            json: {
              programId: program.id,
              owner: { person: { name: 'Pre', documentNumber: `PRE-${i}` } },
            },
          }),
        );
        accounts.push(account.id);
      }

      const writes: Write[] = [];
      const add = (
        name: string,
        method: string,
        route: string,
        authKey: string,
        json: unknown,
        expected = 201,
        headers: Record<string, string> = {},
      ) =>
        writes.push({
          name,
          method,
          path: route,
          key: authKey,
          json,
          expected,
          headers: { 'Idempotency-Key': `crash-${name}`, ...headers },
        });
      for (let i = 0; i < 6; i++)
        add(`org-${i}`, 'POST', '/v1/orgs', OPERATOR_KEY, {
          ...sampleOrg,
          legalName: `Crash Org ${i}`,
          networks: ['VISA'],
        });
      for (let i = 0; i < 12; i++) {
        add(`application-${i}`, 'POST', '/v1/account-applications', key, {
          programId: program.id,
          applicant: { person: { name: `Applicant ${i}`, documentNumber: `APP-${i}` } },
          submit: true,
        });
      }
      for (let i = 0; i < 8; i++)
        add(`account-${i}`, 'POST', '/v1/accounts', key, {
          programId: program.id,
          owner: { person: { name: `Holder ${i}`, documentNumber: `ACC-${i}` } },
        });
      for (let i = 0; i < 6; i++)
        add(`cash-in-${i}`, 'POST', `/v1/accounts/${accounts[i]}/transactions`, key, {
          type: 'CASH_IN',
          amount: 1_000 + i,
          currency: 'BRL',
        });
      for (let i = 0; i < 4; i++)
        add(`program-${i}`, 'POST', '/v1/programs', key, {
          name: `Crash Program ${i}`,
          type: 'DEBIT',
          cardNetwork: 'VISA',
          currency: 'BRL',
        });
      for (let i = 6; i < 12; i++) {
        add(
          `migration-${i}`,
          'POST',
          `/v1/accounts/${accounts[i]}/program-migrations`,
          key,
          { targetProgramId: target.id },
          200,
          { 'If-Match': '"v1"' },
        );
      }
      expect(writes.length).toBeGreaterThanOrEqual(40);

      // All at once; the product dies once a few have been answered and the rest are under way.
      const firstAnswers = new Map<string, HttpResponse>();
      const inFlight = writes.map((write) =>
        send(write).then(
          (response) => void firstAnswers.set(write.name, response),
          () => undefined,
        ),
      );
      const killAt = Date.now() + 5_000;
      while (firstAnswers.size < 6 && Date.now() < killAt) await sleep(10);
      await killEverything();
      await Promise.all(inFlight);
      expect(firstAnswers.size).toBeLessThan(writes.length);

      await startProduct();
      const deadline = Date.now() + 60_000;
      const answers = new Map(
        await Promise.all(
          writes.map(
            async (write) => [write.name, await retryUntilAnswered(write, deadline)] as const,
          ),
        ),
      );
      for (const write of writes) {
        const answer = answers.get(write.name)!;
        expect(answer.status, `${write.name}: ${JSON.stringify(answer.body)}`).toBe(write.expected);
        const first = firstAnswers.get(write.name);
        if (first) expect(answer.body, write.name).toEqual(first.body);
      }

      const credentials = JSON.parse(
        await readFile(path.join(dataDir, 'postgres-credentials.json'), 'utf8'),
      ) as { superuser: string };
      db = new pg.Client({
        connectionString: `postgresql://postgres:${credentials.superuser}@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/card_issuing`,
      });
      await db.connect();
      const rows = async (sql: string, params: unknown[] = []) =>
        (await db!.query(sql, params)).rows;
      const answer = (name: string) => answers.get(name)!.body;

      for (let i = 0; i < 6; i++) {
        expect(
          await rows(`SELECT id FROM "Org" WHERE "legalName" = $1`, [`Crash Org ${i}`]),
        ).toEqual([{ id: answer(`org-${i}`).org.id }]);
      }
      for (let i = 0; i < 8; i++) {
        const owned = await rows(
          `SELECT ac."accountId" FROM "AccountCustomer" ac JOIN "Customer" c ON c.id = ac."customerId" WHERE c."documentNumber" = $1`,
          [`ACC-${i}`],
        );
        expect(owned).toEqual([{ accountId: answer(`account-${i}`).id }]);
      }
      for (let i = 0; i < 4; i++) {
        expect(
          await rows(`SELECT id FROM "Program" WHERE name = $1`, [`Crash Program ${i}`]),
        ).toEqual([{ id: answer(`program-${i}`).id }]);
      }
      for (let i = 0; i < 6; i++) {
        const ledger = await rows(
          `SELECT id, amount::int AS amount FROM "AccountTransaction" WHERE "accountId" = $1`,
          [accounts[i]],
        );
        expect(ledger).toEqual([{ id: answer(`cash-in-${i}`).transaction.id, amount: 1_000 + i }]);
        expect(
          await rows(`SELECT balance::int AS balance FROM "Account" WHERE id = $1`, [accounts[i]]),
        ).toEqual([{ balance: 1_000 + i }]);
      }
      for (let i = 6; i < 12; i++) {
        expect(answer(`migration-${i}`).migration).toEqual({
          changed: true,
          fromProgramId: program.id,
          toProgramId: target.id,
        });
        expect(
          await rows(`SELECT "programId" FROM "Account" WHERE id = $1`, [accounts[i]]),
        ).toEqual([{ programId: target.id }]);
        expect(
          await rows(
            `SELECT count(*)::int AS n FROM "AccountEvent" WHERE "accountId" = $1 AND kind = 'PROGRAM_MIGRATION'`,
            [accounts[i]],
          ),
        ).toEqual([{ n: 1 }]);
      }
      const applicationIds = new Set(
        Array.from({ length: 12 }, (_, i) => answer(`application-${i}`).id as string),
      );
      expect(applicationIds.size).toBe(12);
      for (let i = 0; i < 12; i++) {
        const id = answer(`application-${i}`).id as string;
        const processed = await waitForApplication(key, id, deadline);
        const made = await rows(
          `SELECT a.id FROM "Account" a JOIN "AccountCustomer" ac ON ac."accountId" = a.id JOIN "Customer" c ON c.id = ac."customerId" WHERE c."documentNumber" = $1`,
          [`APP-${i}`],
        );
        expect(made).toEqual([{ id: processed.accountId }]);
        expect(await rows(`SELECT id FROM "Account" WHERE "applicationId" = $1`, [id])).toEqual([
          { id: processed.accountId },
        ]);
      }
    },
    START_TIMEOUT_MS + 120_000,
  );
});

async function waitForApplication(
  key: string,
  id: string,
  deadline: number,
): Promise<{ accountId: string }> {
  for (;;) {
    const application = await http('GET', `/v1/account-applications/${id}`, { key });
    if (application.body?.status === 'ACCOUNT_CREATED') return application.body;
    if (application.body?.status === 'REJECTED')
      throw new Error(`application ${id} was rejected: ${application.body.rejectionReasons}`);
    if (Date.now() > deadline)
      throw new Error(`application ${id} is still ${application.body?.status}`);
    await sleep(200);
  }
}
