import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Sql, Statement } from '../services/sql.js';

export type { PrismaClient };

export interface PoolOptions {
  maxConnections?: number;
  /**
   * How long a statement or transaction waits for a connection (a free one in the pool, or a new
   * one to be made) before it fails; without it a statement waits as long as the pool is busy
   */
  acquireTimeoutMs?: number;
  /**
   * Whether the plain statements (`Sql`) are prepared once per connection under their names
   * (true by default). Off, each runs as an unnamed statement, parsed and planned every time: for
   * a pooler in transaction mode that hands each statement to any server connection and does not
   * carry named statements across them (PgBouncer before 1.21, or max_prepared_statements = 0).
   */
  namedStatements?: boolean;
}

/** Prisma and plain statements over one pool (exposed for its metrics); `prisma.$disconnect()` ends it. */
export function connectDatabase(
  databaseUrl: string,
  options: PoolOptions = {},
): { prisma: PrismaClient; sql: Sql; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.acquireTimeoutMs,
  });
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    // An interactive transaction waits for its connection as long as a statement does
    ...(options.acquireTimeoutMs === undefined
      ? {}
      : { transactionOptions: { maxWait: options.acquireTimeoutMs } }),
  });
  return { prisma, sql: plainSql(pool, options.namedStatements ?? true), pool };
}

export function createPrisma(databaseUrl: string, options: PoolOptions = {}): PrismaClient {
  return connectDatabase(databaseUrl, options).prisma;
}

// As Prisma's raw queries give them: int8 (balances, amounts) as bigint, not as a string.
const INT8: number = pg.types.builtins.INT8;
const parseBigInt = (text: string) => BigInt(text);
function typeParser(oid: number, format: 'text' | 'binary' = 'text'): (text: string) => unknown {
  if (oid === INT8 && format === 'text') return parseBigInt;
  return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
}
const types = { getTypeParser: typeParser };

function plainSql(pool: pg.Pool, named: boolean): Sql {
  return {
    async query<Row>(name: string, statement: Statement) {
      const result = await pool.query<Row & pg.QueryResultRow>({
        name: named ? name : undefined,
        text: statement.text,
        values: statement.values,
        types,
      });
      return result.rows;
    },
  };
}
