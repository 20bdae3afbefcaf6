import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertAccountRows } from '../support/sql-fixtures.js';

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('AccountStatusChange', () => {
  it('accepts inserts and refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    const { org, env, account } = await insertAccountRows(client);
    await client.query(`
      INSERT INTO "AccountStatusChange" ("orgId", "environmentId", "accountId", kind, "fromStatus", "toStatus", "accountVersion", actor)
        VALUES ('${org}', '${env}', '${account}', 'CHANGE', 'NORMAL', 'BLOCKED', 2, 'test');`);

    await expect(
      client.query(`UPDATE "AccountStatusChange" SET "toStatus" = 'CANCELLED'`),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(client.query(`DELETE FROM "AccountStatusChange"`)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(client.query(`TRUNCATE "AccountStatusChange"`)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    const { rows } = await client.query(`SELECT "toStatus" FROM "AccountStatusChange"`);
    expect(rows).toEqual([{ toStatus: 'BLOCKED' }]);
  });
});
