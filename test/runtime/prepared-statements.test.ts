import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { connectDatabase } from '../../runtime/prisma.js';
import { createTestDatabase, type TestDatabase } from '../support/harness.js';

// Behind a pooler in transaction mode, consecutive statements of one client connection can run on
// different server sessions. A statement prepared by name on one session is missing on the next,
// while the driver remembers it as prepared and sends only its name. Here the single session of a
// one-connection pool forgets its statements (DEALLOCATE ALL), as the next server session would.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const statement = { text: 'SELECT $1::int + 1 AS next', values: [41] };

async function runTwiceAcrossSessions(env: Record<string, string>) {
  const { databasePool } = loadConfig(env);
  const { prisma, sql, pool } = connectDatabase(db.productUrl, {
    ...databasePool,
    maxConnections: 1,
  });
  try {
    const first = await sql.query<{ next: number }>('next-number', statement);
    const kept = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
    await pool.query('DEALLOCATE ALL');
    const second = await sql.query<{ next: number }>('next-number', statement).then(
      (rows) => ({ rows }),
      (error: Error) => ({ error: error.message }),
    );
    return { first, kept: kept.rows.map((row) => row.name), second };
  } finally {
    await prisma.$disconnect();
    // A client never used leaves the pool to its owner
    if (!pool.ending) await pool.end();
  }
}

describe('plain statements', () => {
  it('are prepared by name by default, which a session that lacks them refuses', async () => {
    const run = await runTwiceAcrossSessions({});
    expect(run.first).toEqual([{ next: 42 }]);
    expect(run.kept).toEqual(['next-number']);
    expect(run.second).toEqual({ error: 'prepared statement "next-number" does not exist' });
  });

  it('with DATABASE_PREPARED_STATEMENTS=unnamed leave nothing on the session and run on any', async () => {
    const run = await runTwiceAcrossSessions({ DATABASE_PREPARED_STATEMENTS: 'unnamed' });
    expect(run.first).toEqual([{ next: 42 }]);
    expect(run.kept).toEqual([]);
    expect(run.second).toEqual({ rows: [{ next: 42 }] });
  });
});
