import { eventTypes } from '../../common/events.js';
import type { EventLog } from '../../services/events.js';
import type { Api } from '../api.js';
import { tenantOf } from '../auth.js';
import { pageSchema, sequenceCursors } from '../pagination.js';
import { z } from '../zod.js';

// The event feed: what happened to the caller's org, oldest first, in the log's own order
// (services/events.ts). An org key sees its environment's events and the org's own (onboarding,
// environments, certification), never another environment's or another org's.

const eventCursors = sequenceCursors('events');

const eventSchema = z
  .object({
    id: z.uuid(),
    sequence: z.string().openapi({ description: 'Position in the log (a decimal integer)' }),
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
  next: null,
};

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
      200: { description: 'A page of events', schema: pageSchema(eventSchema), example },
    },
    handler: async ({ query, caller }) => {
      const page = await events.list(
        tenantOf(caller),
        { type: query.type, subjectId: query.subjectId },
        { limit: query.limit, after: eventCursors.read(query.after) },
      );
      const last = page.rows.at(-1);
      return {
        status: 200,
        body: {
          items: page.rows.map((row) => ({
            id: row.id,
            sequence: row.sequence.toString(),
            type: row.type,
            version: row.version,
            orgId: row.orgId,
            environmentId: row.environmentId,
            subject: { type: row.subjectType, id: row.subjectId },
            occurredAt: row.occurredAt.toISOString(),
            payload: row.payload,
          })),
          next: page.more && last ? eventCursors.write(last.sequence) : null,
        },
      };
    },
  });
}
