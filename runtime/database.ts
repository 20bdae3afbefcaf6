import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { applyMigrations } from './migrate.js';
import { startEmbeddedPostgres } from './postgres.js';

export interface Database {
  url: string;
  stop(): Promise<void>;
}

/** The configured database, started if embedded, with every migration applied. */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const database =
    config.database.mode === 'external'
      ? { url: config.database.url, stop: () => Promise.resolve() }
      : await startEmbeddedPostgres({
          dataDir: config.database.dataDir,
          port: config.database.port,
          database: 'card_issuing',
          logger,
        });
  try {
    const applied = await applyMigrations(database.url);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is up to date');
  } catch (error) {
    await database.stop();
    throw error;
  }
  return database;
}
