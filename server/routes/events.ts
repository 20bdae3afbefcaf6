import { eventTypes } from '../../common/events.js';
import { eventView, type EventLog } from '../../services/events.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { logCursors } from '../pagination.js';
import { z } from '../zod.js';

// The event feed: what happened to the caller's org, oldest first, in the log's own order
// (services/events.ts). An org key sees its environment's events and the org's own (onboarding,
// environments, certification), never another environment's or another org's.

const eventCursors = logCursors('events');

const eventSchema = z
  .object({
    id: z.uuid(),
    sequence: z.string().openapi({
      description:
        'Numbers events as they are written (a decimal integer); a page lists them in the order their transactions began, so it may not rise along a page',
    }),
    type: z.enum(eventTypes),
    version: z.number().int().openapi({ description: "Version of the payload's shape" }),
    orgId: z.uuid(),
    environmentId: z
      .uuid()
      .nullable()
      .openapi({ description: 'Null for an org-level event (onboarding)' }),
    subject: z.object({ type: z.string(), id: z.string() }),
    occurredAt: z.iso.datetime(),
    payload: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');

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
