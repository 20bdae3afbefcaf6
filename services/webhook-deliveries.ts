import { DomainFailure } from '../common/failures.js';
import { storableText } from '../common/text.js';
import {
  type PrismaClient,
  type WebhookAttempt,
  type WebhookDelivery,
} from '../generated/prisma/client.js';
import { eventView, logFence, positionOf, readLog, readWrittenBefore } from './events.js';
import { uuidOfName } from './ids.js';
import { keysetAfter, keysetOrder, readPage, type PageRequest } from './pages.js';
import type { Sealer } from './sealing.js';
import type { Tenant } from './tenant.js';
import { inTransaction } from './transactions.js';

// Each event an endpoint wants becomes a delivery, planned in the log's order as the endpoint's
// cursor moves on, and attempted until the receiver answers 2xx or the retry window closes. A
// subject's deliveries go out one after another in the order its events were written; different
// subjects do not wait for each other. Every attempt is recorded. An endpoint whose attempts all
// fail for `disableAfterMs` is disabled until the issuer enables it again.

/** How webhooks are delivered (WEBHOOK_* in runtime/config.ts) */
export interface WebhookSettings {
  /** The first retry's delay; each next one doubles, up to `retryMaxMs` */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long an event is retried before its delivery is given up */
  giveUpAfterMs: number;
  /** How long an endpoint may fail every attempt before it is disabled */
  disableAfterMs: number;
  /** How long a receiver has to answer */
  timeoutMs: number;
  /** How often an endpoint's process looks for new events */
  pollMs: number;
  /** How often a worker makes sure every endpoint's process runs (and once when it starts) */
  sweepMs: number;
  /** Whether endpoints may be plain http:// URLs (https:// only otherwise) */
  allowHttp: boolean;
  /** Whether receivers may be on loopback, private or other non-public addresses */
  allowPrivateAddresses: boolean;
}

/** Events planned per pass: an endpoint far behind catches up in several. */
const PLAN_BATCH = 500;
/** Deliveries attempted at once per endpoint (each a different subject). */
const DUE_BATCH = 16;
const EXCERPT_CHARS = 1000;

/** What an endpoint's delivery process should do next. */
export type EndpointWork =
  | { state: 'deleted' }
  | { state: 'disabled' }
  | {
      state: 'enabled';
      /** Deliveries to attempt now */
      due: string[];
      /** When the next retry falls due, if one is waiting */
      wakeAt: Date | null;
      /** Whether more events wait to be planned */
      behind: boolean;
    };

/** One attempt as the worker makes it: where, signed with what, and the message. */
export interface PreparedAttempt {
  url: string;
  /**
   * Secrets to sign with: the current one, and the one it replaced while that still counts; null
   * when they cannot be read (the server secret changed since they were sealed)
   */
  secrets: string[] | null;
  number: number;
  manual: boolean;
  /** The webhook-id header: the event's id, the same on every attempt, for receivers to dedupe */
  messageId: string;
  body: string;
}

/** How the receiver answered one attempt (or why it did not). */
export interface AttemptOutcome {
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

export type DeliveryWithAttempts = WebhookDelivery & { tries: WebhookAttempt[] };

/** A receiver's text fit to store and show: cut to `max`, control characters replaced. */
const storable = (text: string | null, max: number) =>
  text === null ? null : storableText(text.slice(0, max));

const deliveryId = (endpointId: string, eventId: string) =>
  uuidOfName(`webhook-delivery\u0000${endpointId}\u0000${eventId}`);
const attemptId = (id: string, number: number) =>
  uuidOfName(`webhook-attempt\u0000${id}\u0000${number}`);

/** Exponential backoff: base, twice that, four times ... up to the maximum, with ±20% jitter. */
function retryDelayMs(settings: WebhookSettings, attempt: number): number {
  const exponential = settings.retryBaseMs * 2 ** Math.min(attempt - 1, 40);
  return Math.round(Math.min(exponential, settings.retryMaxMs) * (0.8 + Math.random() * 0.4));
}

export function createWebhookDeliveries(deps: {
  prisma: PrismaClient;
  sealer: Sealer;
  webhooks: WebhookSettings;
}) {
  const { prisma, sealer, webhooks } = deps;

  /** Deliveries that may go now: due, and first of their subject among those still pending. */
  async function dueDeliveries(
    endpointId: string,
  ): Promise<{ due: string[]; wakeAt: Date | null }> {
    const heads = await prisma.$queryRaw<{ id: string; nextAttemptAt: Date }[]>`
      SELECT d.id, d."nextAttemptAt" FROM "WebhookDelivery" d
      WHERE d."endpointId" = ${endpointId}::uuid AND d.status = 'PENDING'
        AND NOT EXISTS (
          SELECT 1 FROM "WebhookDelivery" e
          WHERE e."endpointId" = d."endpointId" AND e."subjectId" = d."subjectId"
            AND e.status = 'PENDING' AND e.sequence < d.sequence)
      ORDER BY d."nextAttemptAt", d.sequence
      LIMIT ${DUE_BATCH}`;
    const now = Date.now();
    const due = heads.filter((d) => d.nextAttemptAt.getTime() <= now).map((d) => d.id);
    const waiting = heads.find((d) => d.nextAttemptAt.getTime() > now);
    return { due, wakeAt: due.length > 0 ? null : (waiting?.nextAttemptAt ?? null) };
  }

  return {
    /**
     * Plans deliveries for the events written since the endpoint's cursor, then says what is due.
     * The endpoint row is locked while planning, so two runs of this (a retried activity beside
     * its first try) plan each event once.
     */
    async plan(endpointId: string): Promise<EndpointWork> {
      // Taken before, in a statement of its own (logFence says why); it stays a safe bound later
      const fence = await logFence(prisma);
      const planned = await inTransaction(prisma, async (tx) => {
        const [endpoint] = await tx.$queryRaw<
          {
            orgId: string;
            environmentId: string;
            eventTypes: string[];
            enabled: boolean;
            deletedAt: Date | null;
            cursorTransactionId: bigint;
            cursorSequence: bigint;
            creationSnapshot: string;
          }[]
        >`SELECT "orgId", "environmentId", "eventTypes", enabled, "deletedAt", "cursorTransactionId", "cursorSequence", "creationSnapshot"
          FROM "WebhookEndpoint" WHERE id = ${endpointId}::uuid FOR UPDATE`;
        if (!endpoint || endpoint.deletedAt) return { state: 'deleted' as const };
        if (!endpoint.enabled) return { state: 'disabled' as const };
        const filter = {
          orgId: endpoint.orgId,
          environmentId: endpoint.environmentId,
          types: endpoint.eventTypes.length > 0 ? endpoint.eventTypes : undefined,
          committedAfter: endpoint.creationSnapshot,
        };
        const cursor = {
          transactionId: endpoint.cursorTransactionId,
          sequence: endpoint.cursorSequence,
        };
        const events = await readLog(tx, filter, cursor, PLAN_BATCH, fence.below);
        const last = events.at(-1);
        if (last) {
          // A subject's events go out in the order they were written. The log's order can put an
          // earlier one after a later one (its transaction took its id later, or is still above
          // the fence), even past this batch: those are planned now, ahead of the later one. The
          // cursor reaches them afterwards and plans nothing twice (the delivery id is the
          // endpoint's and the event's).
          const maxSequence = events.reduce((max, e) => (e.sequence > max ? e.sequence : max), 0n);
          const subjects = [...new Set(events.map((e) => e.subjectId))];
          const writtenBefore = await readWrittenBefore(
            tx,
            filter,
            positionOf(last),
            subjects,
            maxSequence,
          );
          const now = Date.now();
          const inWrittenOrder = [...events, ...writtenBefore].sort((a, b) =>
            a.sequence < b.sequence ? -1 : 1,
          );
          await tx.webhookDelivery.createMany({
            data: inWrittenOrder.map((event) => ({
              id: deliveryId(endpointId, event.id),
              endpointId,
              eventId: event.id,
              subjectId: event.subjectId,
              nextAttemptAt: new Date(now),
              giveUpAt: new Date(now + webhooks.giveUpAfterMs),
            })),
            skipDuplicates: true,
          });
          const position = positionOf(last);
          await tx.webhookEndpoint.update({
            where: { id: endpointId },
            data: {
              cursorTransactionId: position.transactionId,
              cursorSequence: position.sequence,
            },
          });
        }
        return { state: 'enabled' as const, behind: events.length === PLAN_BATCH };
      });
      if (planned.state !== 'enabled') return planned;
      return { ...planned, ...(await dueDeliveries(endpointId)) };
    },

    /**
     * What the attempt a worker is about to make sends, or null when the delivery needs none now
     * (an earlier run delivered it, it was given up, the endpoint was disabled or deleted).
     */
    async prepareAttempt(id: string): Promise<PreparedAttempt | null> {
      const delivery = await prisma.webhookDelivery.findUnique({
        where: { id },
        include: { endpoint: true, event: true },
      });
      if (!delivery || delivery.status !== 'PENDING') return null;
      const { endpoint, event } = delivery;
      if (!endpoint.enabled || endpoint.deletedAt) return null;
      const now = new Date();
      const sealed = [endpoint.secret];
      if (endpoint.previousSecret && (endpoint.previousSecretExpiresAt ?? now) > now)
        sealed.push(endpoint.previousSecret);
      let secrets: string[] | null;
      try {
        secrets = sealed.map((secret) => sealer.unseal(secret));
      } catch {
        secrets = null;
      }
      const data = eventView(event);
      return {
        url: endpoint.url,
        secrets,
        number: delivery.attempts + 1,
        manual: delivery.redeliveredAt !== null,
        messageId: event.id,
        // The Standard Webhooks envelope: type, timestamp, data (the event as the feed shows it)
        body: JSON.stringify({ type: event.type, timestamp: data.occurredAt, data }),
      };
    },

    /**
     * Records attempt `number` and moves the delivery on: delivered on a 2xx, otherwise retried
     * after a backoff until it is given up; the endpoint is disabled once it has failed long
     * enough. An attempt recorded already (a retried activity) changes nothing.
     */
    async recordAttempt(
      id: string,
      number: number,
      manual: boolean,
      outcome: AttemptOutcome,
    ): Promise<void> {
      await inTransaction(prisma, async (tx) => {
        const written = await tx.$executeRaw`
          INSERT INTO "WebhookAttempt" (id, "deliveryId", number, "startedAt", "durationMs", "statusCode", "responseExcerpt", error, manual)
          VALUES (${attemptId(id, number)}::uuid, ${id}::uuid, ${number}, ${outcome.startedAt}, ${outcome.durationMs},
                  ${outcome.statusCode}, ${storable(outcome.responseExcerpt, EXCERPT_CHARS)},
                  ${storable(outcome.error, 500)}, ${manual})
          ON CONFLICT (id) DO NOTHING`;
        if (written === 0) return;
        const delivery = await tx.webhookDelivery.findUniqueOrThrow({ where: { id } });
        // Attempts in parallel (other subjects) each update the endpoint: one at a time
        await tx.$queryRaw`SELECT 1 FROM "WebhookEndpoint" WHERE id = ${delivery.endpointId}::uuid FOR UPDATE`;
        const now = new Date();
        const delivered =
          outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
        if (delivered) {
          await tx.webhookDelivery.update({
            where: { id },
            data: { status: 'DELIVERED', attempts: number, deliveredAt: now },
          });
          await tx.webhookEndpoint.update({
            where: { id: delivery.endpointId },
            data: { failingSince: null },
          });
          return;
        }
        const givenUp = now >= delivery.giveUpAt;
        await tx.webhookDelivery.update({
          where: { id },
          data: givenUp
            ? { status: 'FAILED', attempts: number }
            : {
                attempts: number,
                nextAttemptAt: new Date(now.getTime() + retryDelayMs(webhooks, number)),
              },
        });
        const endpoint = await tx.webhookEndpoint.findUniqueOrThrow({
          where: { id: delivery.endpointId },
        });
        const failingSince = endpoint.failingSince ?? now;
        const disable =
          endpoint.enabled && now.getTime() - failingSince.getTime() >= webhooks.disableAfterMs;
        await tx.webhookEndpoint.update({
          where: { id: endpoint.id },
          data: disable
            ? {
                failingSince,
                enabled: false,
                disabledReason: 'failing',
                disabledAt: now,
                // An issuer's change based on the enabled endpoint is stale now
                version: { increment: 1 },
              }
            : { failingSince },
        });
      });
    },

    /**
     * Sends `eventId` to the endpoint again (or for the first time, for an event it was not
     * planned for), first among its subject's, with a fresh retry window.
     */
    async redeliver(tenant: Tenant, endpointId: string, eventId: string) {
      const endpoint = await prisma.webhookEndpoint.findFirst({
        where: { id: endpointId, ...tenant, deletedAt: null },
      });
      if (!endpoint) throw DomainFailure.notFound('webhook endpoint');
      const event = await prisma.event.findFirst({
        where: {
          id: eventId,
          orgId: tenant.orgId,
          OR: [{ environmentId: tenant.environmentId }, { environmentId: null }],
        },
      });
      if (!event) {
        throw new DomainFailure('NOT_FOUND', 'event was not found', {
          errors: [{ field: 'eventId', rule: 'not_found', message: 'no such event here' }],
        });
      }
      const now = new Date();
      const again = {
        status: 'PENDING' as const,
        nextAttemptAt: now,
        giveUpAt: new Date(now.getTime() + webhooks.giveUpAfterMs),
        redeliveredAt: now,
      };
      return prisma.webhookDelivery.upsert({
        where: { endpointId_eventId: { endpointId, eventId } },
        create: {
          id: deliveryId(endpointId, eventId),
          endpointId,
          eventId,
          subjectId: event.subjectId,
          ...again,
        },
        update: again,
        include: { tries: { orderBy: { number: 'asc' } } },
      });
    },

    async list(
      tenant: Tenant,
      endpointId: string,
      page: PageRequest,
      filter: { status?: WebhookDelivery['status']; eventId?: string },
    ) {
      const endpoint = await prisma.webhookEndpoint.findFirst({
        where: { id: endpointId, ...tenant, deletedAt: null },
        select: { id: true },
      });
      if (!endpoint) throw DomainFailure.notFound('webhook endpoint');
      return readPage(page, (take) =>
        prisma.webhookDelivery.findMany({
          where: { endpointId, ...filter, ...keysetAfter(page.after) },
          orderBy: keysetOrder,
          include: { tries: { orderBy: { number: 'asc' } } },
          take,
        }),
      );
    },
  };
}
