import type { ZodObject } from 'zod';
import { eventCatalog, eventTypes, type EventType } from '../../common/events.js';
import { eventView, type EventLog } from '../../services/events.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { logCursors } from '../pagination.js';
import { z } from '../zod.js';
import { eventPayloadExamples } from '../event-examples.js';
import { exampleIds } from '../openapi-examples.js';

// The event feed: what happened to the caller's org, oldest first, in the log's own order
// (services/events.ts). An org key sees its environment's events and the org's own (onboarding,
// environments, certification), never another environment's or another org's.

const eventCursors = logCursors('events');

/** PascalCase of an event type, for its schemas' names: account.status_changed → AccountStatusChanged. */
const schemaName = (type: string) =>
  type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

/**
 * The feed item (and a webhook's `data`) of one event type: its payload is the catalogue's schema
 * (common/events.ts), so the document publishes the very schema every payload is checked against.
 */
function eventItemSchema<Type extends EventType>(type: Type) {
  const { subject, version, description, payload } = eventCatalog[type];
  const name = schemaName(type);
  return z
    .object({
      id: z.uuid(),
      sequence: z.string().openapi({
        description:
          'Numbers events as they are written (a decimal integer); a page lists them in the order their transactions began, so it may not rise along a page',
      }),
      type: z.literal(type),
      version: z.literal(version).openapi({ description: "Version of the payload's shape" }),
      orgId: z.uuid(),
      environmentId: z
        .uuid()
        .nullable()
        .openapi({ description: 'Null for an org-level event (onboarding)' }),
      subject: z.object({ type: z.literal(subject), id: z.string() }),
      occurredAt: z.iso.datetime(),
      // A clone made here has .openapi(): the catalogue's schemas are built before zod is extended
      payload: payload.clone().openapi(`${name}Payload`, { description }),
    })
    .openapi(`${name}Event`, { description });
}

/** The feed item (a webhook's `data`) of every type, told apart by `type`. */
const eventItems = eventTypes.map(eventItemSchema);
export const eventSchema = z
  .discriminatedUnion('type', eventItems as unknown as [ZodObject, ...ZodObject[]])
  .openapi('Event', { description: 'An event: its payload is the schema its `type` names' });

/**
 * The body a webhook of each type POSTs: the Standard Webhooks envelope around the feed's item
 * (services/webhook-deliveries.ts).
 */
export const webhookBodySchemas = Object.fromEntries(
  eventTypes.map((type, i): [EventType, ZodObject] => [
    type,
    z
      .object({
        type: z.literal(type),
        timestamp: z.iso.datetime().openapi({ description: "The event's occurredAt" }),
        data: eventItems[i]!,
      })
      .openapi(`${schemaName(type)}Webhook`),
  ]),
) as Record<EventType, ZodObject>;

const exampleItem = (type: EventType) => ({
  id: '6f1c2f0e-7a51-8c3d-9e2b-0a4b5c6d7e8f',
  sequence: '42',
  type,
  version: eventCatalog[type].version,
  orgId: exampleIds.org,
  environmentId: eventCatalog[type].subject === 'account' ? exampleIds.testEnvironment : null,
  subject: { type: eventCatalog[type].subject, id: exampleSubjectId(type) },
  occurredAt: '2026-11-23T12:00:00.000Z',
  payload: eventPayloadExamples[type],
});

/** Who an example event is about: the id its payload names first. */
function exampleSubjectId(type: EventType): string {
  const payload: Record<string, unknown> = eventPayloadExamples[type];
  const key = Object.keys(payload).find((field) => field.endsWith('Id'));
  return typeof payload[key ?? ''] === 'string' ? (payload[key!] as string) : exampleIds.org;
}

/**
 * Declares a webhook per event type (OpenAPI 3.1 `webhooks`): the POST an endpoint subscribed to
 * the type receives, with the signature headers every delivery carries.
 */
function registerWebhooks(api: Api): void {
  eventTypes.forEach((type) => {
    const item = exampleItem(type);
    api.registry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `${schemaName(type).charAt(0).toLowerCase()}${schemaName(type).slice(1)}Webhook`,
      summary: eventCatalog[type].description,
      tags: ['Webhooks'],
      security: [],
      request: {
        headers: webhookHeaders,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: webhookBodySchemas[type],
              example: { type, timestamp: item.occurredAt, data: item },
            },
          },
        },
      },
      responses: {
        200: {
          description:
            'Any 2xx acknowledges the delivery; another status, or none within the timeout, is retried with backoff',
        },
      },
    });
  });
}

const webhookHeaders = z.object({
  'webhook-id': z.uuid().openapi({ description: "The event's id, the same on every attempt" }),
  'webhook-timestamp': z
    .string()
    .regex(/^[0-9]+$/)
    .openapi({ description: 'Seconds since the epoch when this attempt was signed' }),
  'webhook-signature': z.string().openapi({
    description:
      'Space-separated v1,<base64 HMAC-SHA256> signatures of `<id>.<timestamp>.<body>`, one per signing secret (two during a rotation)',
  }),
});

const example = {
  items: [
    {
      id: '6f1c2f0e-7a51-8c3d-9e2b-0a4b5c6d7e8f',
      sequence: '42',
      type: 'account.status_changed',
      version: 1,
      orgId: '0b8e7a52-3c1d-4f6e-9a2b-1c3d5e7f9a0b',
      environmentId: '5a7c9e1b-2d4f-4a6c-8e0b-3d5f7a9c1e2b',
      subject: { type: 'account', id: '9c1e3a5b-7d9f-4b2d-8f0a-5c7e9a1c3e5f' },
      occurredAt: '2026-11-23T12:00:00.000Z',
      payload: {
        accountId: '9c1e3a5b-7d9f-4b2d-8f0a-5c7e9a1c3e5f',
        from: 'NORMAL',
        to: 'BLOCKED',
        reason: null,
        description: null,
        blockedUntil: null,
        accountVersion: 2,
      },
    },
  ],
  next: 'eyJsIjoiZXZlbnRzIiwieCI6Ijc0MiIsInMiOiI0MiJ9',
  more: false,
};

const feedPageSchema = z
  .object({
    items: z.array(eventSchema),
    next: z.string().openapi({
      description:
        'Give as `after` to read on; at the end of the log too, so a poller keeps it and asks again later',
    }),
    more: z
      .boolean()
      .openapi({ description: 'Whether more events are there already (read on at once)' }),
  })
  .openapi('EventPage');

export function registerEventRoutes(api: Api, events: EventLog): void {
  registerWebhooks(api);
  api.route({
    method: 'get',
    path: '/v1/events',
    operationId: 'listEvents',
    summary:
      'What happened in this environment and to the org, oldest first: account and application changes, onboarding steps, environments, certification, reports',
    tag: 'Events',
    access: 'org',
    query: z.strictObject({
      type: z.enum(eventTypes).optional(),
      subjectId: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: 'The id of what the events are about (an account id, say)' }),
      ...eventCursors.query,
    }),
    responses: {
      200: { description: 'A page of events', schema: feedPageSchema, example },
    },
    handler: async ({ query, caller }) => {
      const page = await events.list(
        tenantOf(caller),
        { type: query.type, subjectId: query.subjectId },
        { limit: query.limit, after: eventCursors.read(query.after) },
      );
      return {
        status: 200,
        body: {
          items: page.rows.map(eventView),
          next: eventCursors.write(page.end),
          more: page.more,
        },
      };
    },
  });
}
