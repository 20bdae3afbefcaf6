import type { ProductParts } from './compose.js';
import type { Logger } from './logger.js';
import { repeat } from './repeat.js';

/**
 * While a worker runs: makes sure every webhook endpoint has its delivery process, when the
 * worker starts and every `intervalMs` after. A process is otherwise started by the request that
 * made or enabled the endpoint; this covers the one lost to a crash of the whole product between
 * the endpoint's commit and its start, when the client never retried, and a run terminated by
 * hand. Passes never overlap; stop() waits for the one under way.
 */
export function startWebhookSweep(
  parts: Pick<ProductParts, 'services' | 'processes'>,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  return repeat(async () => {
    try {
      const live = await parts.services.webhookEndpoints.live();
      const started = await parts.processes.webhookDeliveries.ensureAllRunning(live);
      if (started > 0)
        logger.warn({ started }, 'started webhook delivery processes that were not running');
    } catch (error) {
      logger.warn(
        { err: error },
        'could not check the webhook delivery processes; trying again later',
      );
    }
  }, intervalMs);
}
