import { createHash } from 'node:crypto';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir, readMigrations } from '../../runtime/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';
import { insertAccountRows } from '../support/sql-fixtures.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function emptyDatabase() {
  const db = await createTestDatabase({ empty: true });
  databases.push(db);
  return db;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('applyMigrations', () => {
  it('records each migration in _prisma_migrations the way prisma migrate deploy does', async () => {
    const db = await emptyDatabase();
    const migrations = await readMigrations();
    expect(await applyMigrations(db.url)).toEqual(migrations.map((m) => m.name));

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
      rolled_back_at: Date | null;
      logs: string | null;
    }>(db.url, 'SELECT * FROM "_prisma_migrations" ORDER BY started_at');
    expect(rows).toHaveLength(migrations.length);
    for (const [index, row] of rows.entries()) {
      const sql = await readFile(
        path.join(defaultMigrationsDir, row.migration_name, 'migration.sql'),
      );
      expect(row.migration_name).toBe(migrations[index]!.name);
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
    }
  });

  it('applies nothing the second time, and refuses to start on a migration edited after it was applied', async () => {
    const db = await emptyDatabase();
    const dir = path.join(inject('scratchDir'), `migrations-edit-${Date.now()}`);
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await applyMigrations(db.url, dir);
    expect(await applyMigrations(db.url, dir)).toEqual([]);

    const first = (await readMigrations(dir))[0]!;
    await writeFile(path.join(dir, first.name, 'migration.sql'), `${first.sql}\n-- edited\n`);
    await expect(applyMigrations(db.url, dir)).rejects.toThrow(/was edited after it was applied/);
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const db = await emptyDatabase();
    const dir = path.join(inject('scratchDir'), `migrations-bad-${Date.now()}`);
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await cp(
      path.join(dir, (await readMigrations(dir))[0]!.name),
      path.join(dir, '29990101000000_broken'),
      { recursive: true },
    );
    await writeFile(
      path.join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "Broken" (id int);\nSELECT no_such_function();\n',
    );
    await expect(applyMigrations(db.url, dir)).rejects.toThrow(/29990101000000_broken failed/);
    const tables = await query<{ n: string }>(
      db.url,
      `SELECT count(*)::text AS n FROM pg_tables WHERE tablename = 'Broken'`,
    );
    expect(tables[0]!.n).toBe('0');
    const names = await query<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM "_prisma_migrations"',
    );
    expect(names.map((r) => r.migration_name)).not.toContain('29990101000000_broken');
  });
});

describe('partitioning AccountDailyBalance', () => {
  it('moves every existing row into the monthly partitions, nothing lost', async () => {
    const db = await emptyDatabase();
    const dir = path.join(inject('scratchDir'), `migrations-before-partitions-${Date.now()}`);
    await cp(defaultMigrationsDir, dir, { recursive: true });
    const partitioning = (await readMigrations(dir)).find((m) =>
      m.name.endsWith('_daily_balance_partitions'),
    )!;
    const later = (await readMigrations(dir)).filter((m) => m.name >= partitioning.name);
    await Promise.all(
      later.map((m) => rm(path.join(dir, m.name), { recursive: true, force: true })),
    );
    await applyMigrations(db.url, dir);

    // Two years of days for two accounts, as the unpartitioned table held them
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = {
      first: await insertAccountRows(client),
      second: await insertAccountRows(client),
    };
    for (const ids of Object.values(rows)) {
      await client.query(
        `INSERT INTO "AccountDailyBalance" ("accountId", date, "orgId", "environmentId", "programId", currency,
                                            balance, "creditLimit", "availableCreditLimit", "availableToSpend")
         SELECT $1, d::date, $2, $3, $4, 'BRL', n, 1000, 1000 - n, 1000 + n
         FROM generate_series(current_date - 730, current_date - 1, interval '1 day') WITH ORDINALITY AS s(d, n)`,
        [ids.account, ids.org, ids.env, ids.program],
      );
    }
    const snapshot = `SELECT "accountId", date::text, "orgId", "environmentId", "programId", currency,
                             balance::text, "creditLimit"::text, "availableCreditLimit"::text,
                             "availableToSpend"::text, "recordedAt"
                      FROM "AccountDailyBalance" ORDER BY "accountId", date`;
    const before = (await client.query(snapshot)).rows;
    expect(before).toHaveLength(2 * 730);

    await applyMigrations(db.url);
    const after = (await client.query(snapshot)).rows;
    const partitions = await client.query<{ name: string; rows: string }>(
      `SELECT c.relname AS name, (SELECT count(*) FROM "AccountDailyBalance" b WHERE b.tableoid = c.oid)::text AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = '"AccountDailyBalance"'::regclass`,
    );
    const kind = await client.query<{ relkind: string }>(
      `SELECT relkind FROM pg_class WHERE oid = '"AccountDailyBalance"'::regclass`,
    );
    await client.end();

    expect(after).toEqual(before);
    expect(kind.rows[0]!.relkind).toBe('p');
    // One partition per month from the oldest row's through three months ahead
    expect(partitions.rows.length).toBeGreaterThanOrEqual(24 + 3);
    expect(partitions.rows.every((p) => /^AccountDailyBalance_p\d{4}_\d{2}$/.test(p.name))).toBe(
      true,
    );
    expect(partitions.rows.reduce((sum, p) => sum + Number(p.rows), 0)).toBe(2 * 730);
  });
});
