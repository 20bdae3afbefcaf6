import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyMigrations, defaultMigrationsDir, readMigrations } from '../../runtime/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

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
