import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { startProduct, type Roles } from './product.js';

/**
 * Runs the product's given roles until SIGINT/SIGTERM or a fatal worker error, then stops them in
 * the order runtime/product.ts documents (API, worker, Temporal, PostgreSQL) and logs `stopped`.
 * Logs the error and exits 1 on failure; everything started is stopped in any case.
 */
export async function runMain(roles: Roles, check?: (config: Config) => void): Promise<void> {
  let logger: Logger = createLogger({ logLevel: 'info' });
  // Listened for before anything starts: a Ctrl-C during start-up must not kill this process and
  // leave the servers it started (each in a process group of its own) running. Such a signal
  // stops the product as soon as it is up. `on`, not `once`: a second signal (npm relays Ctrl-C
  // to the group it already reached) must not kill the process before it has stopped them either.
  // The npm scripts run node with tsx as a loader, not tsx's CLI: that one kills its child when it
  // does not acknowledge a signal within 30 ms, which a busy product does not.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.on('SIGINT', () => resolve('SIGINT'));
    process.on('SIGTERM', () => resolve('SIGTERM'));
  });
  try {
    const config = loadConfig();
    logger = createLogger(config);
    check?.(config);
    const product = await startProduct(config, logger, roles);
    try {
      const reason = await Promise.race([
        signalled,
        product.workerDone.then(() => 'worker stopped'),
      ]);
      logger.info({ reason }, 'shutting down');
    } finally {
      await product.stop();
      logger.info('stopped');
    }
  } catch (error) {
    if (error instanceof ConfigError) logger.fatal(error.message);
    else logger.fatal({ err: error }, 'fatal error');
    process.exitCode = 1;
  }
}

/** Running the API or the worker apart only makes sense against shared, external servers. */
export function requireExternalServers(config: Config): void {
  const missing = [
    config.database.mode === 'embedded' ? 'DATABASE_URL' : undefined,
    config.temporal.server.mode === 'dev' ? 'TEMPORAL_ADDRESS' : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map(
        (name) => `${name}: required when the API and the worker run as separate processes`,
      ),
    );
  }
}
