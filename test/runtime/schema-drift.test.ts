import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir } from '../../runtime/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import {
  diffSchemas,
  expectedSchema,
  liveSchema,
  readDmmf,
  type SchemaShape,
} from '../support/schema-diff.js';
import { inject } from 'vitest';

const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

async function liveShape(url: string): Promise<SchemaShape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await liveSchema(client);
  } finally {
    await client.end();
  }
}

let expected: SchemaShape;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  expected = expectedSchema(await readDmmf(schemaPath));
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function migratedFrom(migrationsDir: string): Promise<string> {
  const db = await createTestDatabase({ empty: true });
  databases.push(db);
  await applyMigrations(db.url, migrationsDir);
  return db.url;
}

describe('the migrations produce exactly the Prisma datamodel', () => {
  it('has no drift between prisma/migrations and prisma/schema.prisma', async () => {
    const live = await liveShape(await migratedFrom(defaultMigrationsDir));
    expect(diffSchemas(expected, live)).toEqual([]);
    // The comparison covers every kind of object it claims to
    expect(Object.keys(live.tables)).toContain('Org');
    expect(Object.keys(live.tables.Account!.foreignKeys).length).toBeGreaterThan(0);
    expect(Object.keys(live.enums)).toContain('AccountStatus');
  });

  it('counts partitions as their parent, and still reports a table that is not one', async () => {
    const url = await migratedFrom(defaultMigrationsDir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM pg_inherits WHERE inhparent = '"AccountDailyBalance"'::regclass`,
    );
    expect(Number(rows[0]!.count)).toBeGreaterThan(0);
    await client.query(`CREATE TABLE "Stray" (id INTEGER PRIMARY KEY)`);
    await client.end();
    expect(diffSchemas(expected, await liveShape(url))).toEqual([
      'table Stray is in the database but not in the schema',
    ]);
  });

  it('reports a column the schema declares but a migration drops', async () => {
    const edited = path.join(inject('scratchDir'), `migrations-${Date.now()}`);
    await cp(defaultMigrationsDir, edited, { recursive: true });
    const init = path.join(edited, '20261121000000_init', 'migration.sql');
    await writeFile(
      init,
      (await readFile(init, 'utf8')).replace('    "region" VARCHAR(100),\n', ''),
    );
    const differences = diffSchemas(expected, await liveShape(await migratedFrom(edited)));
    expect(differences).toEqual(['Org: column region is in the schema but not in the database']);
  });

  it('reports a changed type, a lost NOT NULL, a missing index and a missing foreign key', async () => {
    const url = await migratedFrom(defaultMigrationsDir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`
      ALTER TABLE "Org" ALTER COLUMN "legalName" TYPE VARCHAR(100);
      ALTER TABLE "Program" ALTER COLUMN "currency" DROP NOT NULL;
      DROP INDEX "Account_programId_createdAt_id_idx";
      ALTER TABLE "Account" DROP CONSTRAINT "Account_programId_fkey";`);
    await client.end();
    const differences = diffSchemas(expected, await liveShape(url));
    expect(differences).toHaveLength(4);
    expect(differences.join('\n')).toMatch(/Org: column legalName/);
    expect(differences.join('\n')).toMatch(/Program: column currency/);
    expect(differences.join('\n')).toMatch(/Account: index Account_programId_createdAt_id_idx/);
    expect(differences.join('\n')).toMatch(/Account: foreign key Account_programId_fkey/);
  });
});
