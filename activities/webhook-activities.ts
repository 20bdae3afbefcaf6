import { Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { Services } from '../services/index.js';
import type { EndpointWork, WebhookSettings } from '../services/webhook-deliveries.js';
import type { WebhookTransport } from './webhook-transport.js';

/** How long one call of nextWebhookWork waits for work before the workflow asks again. */
export const WEBHOOK_WAIT_MS = 60_000;

export function createWebhookActivities(
  services: Services,
  transport: WebhookTransport,
  settings: Pick<WebhookSettings, 'pollMs'>,
) {
  const deliveries = services.webhookDeliveries;
  return {
    /**
     * Waits (heartbeating) until the endpoint has deliveries due, plans the events written
     * meanwhile, and answers with them; or with none after a while, or when the endpoint is
     * gone. Waiting here rather than in a workflow timer keeps an idle endpoint's history short.
     */
    async nextWebhookWork(input: { endpointId: string }): Promise<EndpointWork> {
      const context = Context.current();
      const until = Date.now() + WEBHOOK_WAIT_MS;
      for (;;) {
        context.heartbeat();
        const work = await deliveries.plan(input.endpointId);
        if (work.state === 'deleted') return work;
        if (work.state === 'enabled' && (work.due.length > 0 || work.behind)) return work;
        const now = Date.now();
        if (now >= until) return work;
        const wake = work.state === 'enabled' && work.wakeAt ? work.wakeAt.getTime() : Infinity;
        await context.sleep(Math.max(0, Math.min(settings.pollMs, wake - now, until - now)));
      }
    },

    /** One signed POST of a due delivery, and its outcome recorded. */
    async attemptWebhookDelivery(input: { deliveryId: string }): Promise<void> {
      const attempt = await deliveries.prepareAttempt(input.deliveryId);
      if (!attempt) return;
      const startedAt = new Date();
      if (!attempt.secrets) {
        await deliveries.recordAttempt(input.deliveryId, attempt.number, attempt.manual, {
          startedAt,
          durationMs: 0,
          statusCode: null,
          responseExcerpt: null,
          error: 'the signing secret cannot be read (the server secret changed): rotate it',
        });
        return;
      }
      const headers = signedHeaders(attempt.secrets, attempt.messageId, startedAt, attempt.body);
      // Heartbeats while the receiver thinks, so a worker that dies meanwhile is noticed in
      // seconds and the attempt made again (the receiver dedupes by webhook-id)
      const context = Context.current();
      const beating = setInterval(() => context.heartbeat(), 1000);
      const response = await transport
        .post({ url: attempt.url, headers, body: attempt.body })
        .finally(() => clearInterval(beating));
      await deliveries.recordAttempt(input.deliveryId, attempt.number, attempt.manual, {
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        statusCode: response.statusCode,
        responseExcerpt: response.statusCode === null ? null : response.text,
        error: response.statusCode === null ? response.error : null,
      });
    },
  };
}

/**
 * The Standard Webhooks headers: the message id, the time and a signature per secret (the new
 * and, after a rotation, the old), so a receiver verifies with whichever it holds.
 */
function signedHeaders(
  secrets: string[],
  messageId: string,
  at: Date,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(messageId, at, body))
      .join(' '),
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
