import net from 'node:net';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.js';

const temporalToPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export interface TemporalRuntime {
  /** Where the SDK's core serves its worker and client metrics in Prometheus text */
  metricsUrl: string;
}

let installed: Promise<TemporalRuntime> | undefined;

/**
 * Installs the Temporal SDK's one Runtime per process: its logs (worker, core, workflow `log`
 * calls) through our logger, its metrics on a loopback port that /metrics reads. Later calls (tests
 * run several products in one process) get the first one's.
 */
export function installTemporalRuntime(logger: Logger): Promise<TemporalRuntime> {
  installed ??= (async () => {
    const port = await unusedLoopbackPort();
    const child = logger.child({ component: 'temporal' });
    Runtime.install({
      logger: new DefaultLogger('INFO', (entry) => {
        child[temporalToPino[entry.level]]({ ...entry.meta }, entry.message);
      }),
      telemetryOptions: {
        metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true } },
      },
      // By default the SDK shuts workers down itself on SIGINT/SIGTERM, before the API has stopped
      // accepting requests; runtime/main.ts stops everything in order instead.
      shutdownSignals: [],
    });
    return { metricsUrl: `http://127.0.0.1:${port}/metrics` };
  })();
  return installed;
}

function unusedLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
