import type pg from 'pg';

export interface RecordedStatement {
  /** The prepared statement's name, when it was sent as one */
  name?: string;
  text: string;
  values: unknown[];
}

/**
 * Records the statements a pool's connections send while an operation runs: the SQL and values
 * the services really send (Prisma's, or our own), to EXPLAIN and to replay through raw pg as a
 * floor, rather than a copy that drifts from them. Attach before the pool opens its first
 * connection: it wraps each connection as the pool opens it.
 */
export function recordStatements(pool: pg.Pool) {
  let recording: RecordedStatement[] | undefined;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      const [first, second] = args;
      if (recording) {
        const config = typeof first === 'string' ? { text: first } : (first as pg.QueryConfig);
        recording.push({
          ...(config.name ? { name: config.name } : {}),
          text: config.text,
          values: config.values ?? (Array.isArray(second) ? second : []),
        });
      }
      return query(...args);
    };
  });
  return {
    async during(operation: () => Promise<unknown>): Promise<RecordedStatement[]> {
      recording = [];
      try {
        await operation();
        return recording;
      } finally {
        recording = undefined;
      }
    },
  };
}

/** The statements that read or write rows, without the transaction control around them */
export function dataStatements(statements: RecordedStatement[]): RecordedStatement[] {
  return statements.filter((s) => /^\s*(with|select|insert|update|delete)\b/i.test(s.text));
}

/** The statements that read (a WITH of the services' reads writes nothing) */
export function readStatements(statements: RecordedStatement[]): RecordedStatement[] {
  return statements.filter((s) => /^\s*(select|with)\b/i.test(s.text));
}

/**
 * Sends recorded statements again through another pool, as they were sent (prepared under the
 * same name when they were): the same SQL without the product around it. Returns the rows.
 */
export async function replay(pool: pg.Pool, statements: RecordedStatement[]): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for (const s of statements) {
    const result = await pool.query({ ...s, rowMode: 'array' });
    rows.push(...(result.rows as unknown[][]));
  }
  return rows;
}
