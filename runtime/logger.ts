import { pino, type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from './config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'card-issuing-engine' },
    // API keys must never reach the logs
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  });
}

const temporalToPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let temporalRuntimeInstalled = false;

/**
 * Routes the Temporal SDK's logs (worker, core, and workflow `log` calls) through our logger.
 * The SDK allows one Runtime per process, so a second call is a no-op.
 */
export function routeTemporalLogs(logger: Logger): void {
  if (temporalRuntimeInstalled) return;
  temporalRuntimeInstalled = true;
  const child = logger.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      child[temporalToPino[entry.level]]({ ...entry.meta }, entry.message);
    }),
  });
}
