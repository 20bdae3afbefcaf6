import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APPEND_ONLY_TABLES,
  PRODUCT_ROLE,
  checkProductRole,
  productRoleProblem,
} from '../../runtime/database-roles.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertAccountRows } from '../support/sql-fixtures.js';

// Connected as the product connects, nothing may rewrite or silence the history tables: not an
// UPDATE, DELETE or TRUNCATE, not disabling or dropping their triggers, not replica mode.

let db: TestDatabase;
let product: pg.Client;
let owner: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = new pg.Client({ connectionString: db.url });
  product = new pg.Client({ connectionString: db.productUrl });
  await Promise.all([owner.connect(), product.connect()]);
  // Rows written as the product writes them
  const ids = await insertAccountRows(product);
  await product.query(`
    INSERT INTO "AccountStatusChange" ("orgId", "environmentId", "accountId", kind, "fromStatus", "toStatus", "accountVersion", actor)
      VALUES ('${ids.org}', '${ids.env}', '${ids.account}', 'CHANGE', 'NORMAL', 'BLOCKED', 2, 'test');
    INSERT INTO "AccountEvent" ("orgId", "environmentId", "accountId", kind, details, "accountVersion", actor)
      VALUES ('${ids.org}', '${ids.env}', '${ids.account}', 'DUE_DAY_CHANGE', '{}', 3, 'test');
    INSERT INTO "AccountTransaction" (id, "orgId", "environmentId", "accountId", type, amount, currency, "balanceAfter", actor)
      VALUES ('${randomUUID()}', '${ids.org}', '${ids.env}', '${ids.account}', 'CASH_IN', 100, 'BRL', 100, 'test');
    INSERT INTO "ProgramChange" ("orgId", "environmentId", "programId", "programVersion", before, after, actor)
      VALUES ('${ids.org}', '${ids.env}', '${ids.program}', 2, '{"name": "Gold"}', '{"name": "Platinum"}', 'test');
    INSERT INTO "Event" (id, type, "orgId", "environmentId", "subjectType", "subjectId", payload)
      VALUES ('${randomUUID()}', 'account.created', '${ids.org}', '${ids.env}', 'account', '${ids.account}', '{}');`);
});
afterAll(async () => {
  await Promise.all([product?.end(), owner?.end()]);
  await db?.drop();
});

const history = [
  'AccountStatusChange',
  'AccountEvent',
  'AccountTransaction',
  'ProgramChange',
] as const;

async function refused(sql: string, expected: RegExp) {
  await expect(product.query(sql)).rejects.toThrow(expected);
}

describe("the product's database role", () => {
  it('is neither a superuser nor the owner of any table', async () => {
    const check = await checkProductRole(db.productUrl);
    expect(check).toEqual({ role: PRODUCT_ROLE, superuser: false, ownedTables: 0 });
    expect(productRoleProblem(check)).toBeUndefined();
    expect(productRoleProblem(await checkProductRole(db.url))).toMatch(/superuser/);
  });

  it.each(history)('cannot UPDATE, DELETE or TRUNCATE %s', async (table) => {
    await refused(`UPDATE "${table}" SET actor = 'forged'`, /permission denied/);
    await refused(`DELETE FROM "${table}"`, /permission denied/);
    await refused(`TRUNCATE "${table}"`, /permission denied/);
  });

  it.each(history)('cannot disable, drop or replace the guards of %s', async (table) => {
    await refused(`ALTER TABLE "${table}" DISABLE TRIGGER ALL`, /must be owner/);
    await refused(`DROP TRIGGER "${table}_append_only" ON "${table}"`, /must be owner/);
    await refused(
      `CREATE OR REPLACE FUNCTION "refuse_append_only_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`,
      /must be owner|permission denied/,
    );
    await refused(`ALTER TABLE "${table}" OWNER TO ${PRODUCT_ROLE}`, /must be owner/);
  });

  it('cannot switch to replica mode, raise its own privileges, or touch the migrations', async () => {
    await refused(`SET session_replication_role = replica`, /permission denied/);
    await refused(`ALTER ROLE ${PRODUCT_ROLE} SUPERUSER`, /permission denied/);
    // Without the grant option a GRANT only warns; the privilege is still missing after it
    await product.query(`GRANT UPDATE ON "AccountTransaction" TO ${PRODUCT_ROLE}`);
    await refused(`UPDATE "AccountTransaction" SET actor = 'forged'`, /permission denied/);
    await refused(`CREATE TABLE shadow (id int)`, /permission denied/);
    await refused(`SELECT * FROM "_prisma_migrations"`, /permission denied/);
    await refused(`DELETE FROM "_prisma_migrations"`, /permission denied/);
  });

  it('finds the append-only guard of ProgramChange even as the owner of the table', async () => {
    await expect(owner.query(`UPDATE "ProgramChange" SET actor = 'forged'`)).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(owner.query(`DELETE FROM "ProgramChange"`)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(owner.query(`TRUNCATE "ProgramChange"`)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
  });

  it('cannot rewrite the event log, and finds its guard even as the owner of the table', async () => {
    await refused(`UPDATE "Event" SET type = 'forged'`, /permission denied/);
    await refused(`DELETE FROM "Event"`, /permission denied/);
    await refused(`TRUNCATE "Event"`, /permission denied/);
    await refused(`ALTER TABLE "Event" DISABLE TRIGGER ALL`, /must be owner/);
    await refused(`DROP TRIGGER "Event_append_only" ON "Event"`, /must be owner/);
    await expect(owner.query(`UPDATE "Event" SET type = 'forged'`)).rejects.toThrow(
      /Event is append-only: UPDATE refused/,
    );
    await expect(owner.query(`DELETE FROM "Event"`)).rejects.toThrow(
      /Event is append-only: DELETE refused/,
    );
    // CASCADE, or the webhook deliveries' foreign key refuses before the guard is asked
    await expect(owner.query(`TRUNCATE "Event" CASCADE`)).rejects.toThrow(
      /Event is append-only: TRUNCATE refused/,
    );
    const { rows } = await owner.query(`SELECT type FROM "Event"`);
    expect(rows).toEqual([{ type: 'account.created' }]);
  });

  it('writes and reads a daily balance partition it had created, and may do nothing else to it', async () => {
    const ids = await insertAccountRows(product);
    const { rows } = await product.query<{ created: number }>(
      `SELECT "AccountDailyBalance_create_partitions"('2031-03-10', '2031-03-10') AS created`,
    );
    expect(rows).toEqual([{ created: 1 }]);
    await product.query(
      `INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
                                          balance, "creditLimit", "availableCreditLimit", "availableToSpend")
       VALUES ('${ids.account}', '2031-03-10', '${ids.org}', '${ids.env}', '${ids.program}', 'BRL', 1, 2, 3, 4)`,
    );
    const partition = '"AccountDailyBalance_p2031_03"';
    const read = await product.query(`SELECT balance::text FROM ${partition}`);
    expect(read.rows).toEqual([{ balance: '1' }]);
    await refused(`UPDATE ${partition} SET balance = 5`, /permission denied/);
    await refused(`DELETE FROM ${partition}`, /permission denied/);
    await refused(`DROP TABLE ${partition}`, /must be owner/);
    await refused(
      `ALTER TABLE "AccountDailyBalance" DETACH PARTITION ${partition}`,
      /must be owner/,
    );
    // The partition belongs to the tables' owner, not to the role that had it created
    expect((await checkProductRole(db.productUrl)).ownedTables).toBe(0);
  });

  it('leaves every history row as it was', async () => {
    for (const table of history) {
      const { rows } = await owner.query(`SELECT actor FROM "${table}"`);
      expect(rows).toEqual([{ actor: 'test' }]);
    }
  });

  it('may only read and add to every append-only table, and reads every table', async () => {
    const { rows } = await owner.query<{ table_name: string; privileges: string[] }>(
      `SELECT t.table_name, coalesce(array_agg(g.privilege_type::text ORDER BY g.privilege_type) FILTER (WHERE g.privilege_type IS NOT NULL), '{}') AS privileges
       FROM information_schema.tables t
       LEFT JOIN information_schema.role_table_grants g ON g.table_name = t.table_name AND g.table_schema = t.table_schema AND g.grantee = $1
       WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
       GROUP BY t.table_name`,
      [PRODUCT_ROLE],
    );
    const granted = Object.fromEntries(rows.map((row) => [row.table_name, row.privileges]));
    for (const table of APPEND_ONLY_TABLES)
      expect(granted[table], table).toEqual(['INSERT', 'SELECT']);
    expect(granted._prisma_migrations).toEqual([]);
    for (const [table, privileges] of Object.entries(granted)) {
      if (table !== '_prisma_migrations') expect(privileges, table).toContain('SELECT');
      expect(privileges, table).not.toContain('TRUNCATE');
    }
  });
});
