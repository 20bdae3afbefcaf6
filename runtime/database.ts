import { ConfigError, type Config } from './config.js';
import { checkProductRole, productRoleProblem } from './database-roles.js';
import type { Logger } from './logger.js';
import { applyMigrations } from './migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from './postgres.js';

export interface Database {
  /** The product's connection, as its least-privilege role */
  url: string;
  /** The tables' owner, for migrations (and maintenance tools such as the benchmarks) */
  ownerUrl: string;
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'card_issuing';

/**
 * The configured database, started if embedded, with every migration applied as the owner. The
 * product then connects as its own role; one that could bypass the append-only guards (a
 * superuser, an owner of the tables) is refused in production and warned about elsewhere.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const database =
    config.database.mode === 'external'
      ? externalDatabase(config.database)
      : await embeddedDatabase(config.database, logger);
  try {
    const applied = await applyMigrations(database.ownerUrl);
    logger.info(
      { applied },
      applied.length ? 'migrations applied' : 'database schema is up to date',
    );
    await database.afterMigrations();
    const problem = productRoleProblem(await checkProductRole(database.url));
    if (problem && config.nodeEnv === 'production') {
      throw new ConfigError([
        `${problem}; connect as a member of card_issuing_app and give the owner as DATABASE_MIGRATION_URL`,
      ]);
    }
    if (problem) logger.warn(`${problem}; in production this refuses to start`);
  } catch (error) {
    await database.stop();
    throw error;
  }
  return database;
}

function externalDatabase(settings: { url: string; migrationUrl: string }) {
  return {
    url: settings.url,
    ownerUrl: settings.migrationUrl,
    afterMigrations: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

async function embeddedDatabase(settings: { port: number; dataDir: string }, logger: Logger) {
  const postgres = await startEmbeddedPostgres({
    dataDir: settings.dataDir,
    port: settings.port,
    logger,
  });
  try {
    await createDatabaseIfMissing(postgres.ownerUrl('postgres'), EMBEDDED_DATABASE);
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  return {
    url: postgres.productUrl(EMBEDDED_DATABASE),
    ownerUrl: postgres.ownerUrl(EMBEDDED_DATABASE),
    // The migrations create the product's role; only then can it be given its login.
    afterMigrations: () => postgres.enableProductLogin(),
    stop: () => postgres.stop(),
  };
}
