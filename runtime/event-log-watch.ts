import type { EventLog } from '../services/events.js';
import type { Logger } from './logger.js';
import { repeat } from './repeat.js';

/**
 * While the API runs: looks for a transaction open in the product's database that holds the
 * event log back (the feed and every webhook delivery wait for it), every third of `stallReportMs`
 * (at most 10 s apart), and logs a warning once per transaction that has done so for
 * `stallReportMs`, and when the log flows again. /readyz and /metrics show the same; these looks
 * also time a transaction whose start PostgreSQL does not show (services/events.ts `hold`).
 */
export function startEventLogWatch(
  events: Pick<EventLog, 'hold'>,
  stallReportMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let reported: string | undefined;
  return repeat(
    async () => {
      try {
        const { holder, stalled } = await events.hold();
        if (holder && stalled && `${holder.pid}:${holder.transactionId}` !== reported) {
          reported = `${holder.pid}:${holder.transactionId}`;
          logger.warn(
            {
              pid: holder.pid,
              role: holder.role,
              transactionId: holder.transactionId,
              heldForSeconds: Math.round(holder.heldForMs / 1000),
            },
            'a transaction open in the product database holds back the event feed and every webhook delivery until it ends',
          );
        } else if (!stalled && reported) {
          reported = undefined;
          logger.info('the event log is no longer held back');
        }
      } catch (error) {
        // The database being down is /readyz's to say
        logger.debug({ err: error }, 'could not look at what holds the event log back');
      }
    },
    Math.min(stallReportMs / 3, 10_000),
  );
}
