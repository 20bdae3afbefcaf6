import {
  eventVersions,
  type EventCatalog,
  type EventPayload,
  type EventType,
} from '../common/events.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { uuidOfName } from './ids.js';
import type { Tenant } from './tenant.js';
import type { Tx } from './transactions.js';

// The event log (the "Event" table): one row per business fact, written by the change it reports,
// in its own transaction (or its own statement), so an event exists exactly when its change does.
// Each event's id derives from a key naming the change (`account:<id>:v<version>`, a workflow's
// own operation), so a retried change or activity finds its event written: the insert does
// nothing on a second run. The table is append-only; the feed reads it in `sequence` order.

export type NewEvent<Type extends EventType = EventType> = Type extends EventType
  ? {
      type: Type;
      /** Names the change this event reports: the same on every retry of that change */
      key: string;
      orgId: string;
      /** Null for an org-level event (onboarding) */
      environmentId: string | null;
      subjectType: EventCatalog[Type]['subject'];
      subjectId: string;
      /** When it happened; the transaction's time by default */
      occurredAt?: Date;
      payload: EventPayload<Type>;
    }
  : never;

/** The id of the event `key` names. */
function eventId(key: string): string {
  return uuidOfName(`event\u0000${key}`);
}

/**
 * The INSERT of `event`, for a statement of the caller's (a CTE beside its change): with `from`, a
 * row per row of that relation (none when the change wrote nothing). A second insert of the same
 * event (same key) does nothing.
 */
export function eventInsertSql(event: NewEvent, from?: Prisma.Sql): Prisma.Sql {
  const occurredAt = event.occurredAt ?? null;
  return Prisma.sql`
    INSERT INTO "Event" (id, type, version, "orgId", "environmentId", "subjectType", "subjectId", "occurredAt", payload)
    SELECT ${eventId(event.key)}::uuid, ${event.type}::text, ${eventVersions[event.type]}::int,
      ${event.orgId}::uuid, ${event.environmentId}::uuid, ${event.subjectType}::text,
      ${event.subjectId}::text, coalesce(${occurredAt}::timestamptz, CURRENT_TIMESTAMP),
      ${JSON.stringify(event.payload)}::jsonb
    ${from ?? Prisma.empty}
    ON CONFLICT (id) DO NOTHING`;
}

type Writer = Pick<Tx, '$executeRaw'>;

/**
 * Records `event` in the caller's transaction (or on its own, given the client): true when it was
 * written now, false when an earlier run of the same change had written it.
 */
export async function recordEvent(db: Writer, event: NewEvent): Promise<boolean> {
  return (await db.$executeRaw(eventInsertSql(event))) === 1;
}

/** Records several events in one transaction (an activity's); true for each written now. */
export async function recordEvents(prisma: PrismaClient, events: NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  return prisma.$transaction(async (tx) => {
    let written = 0;
    for (const event of events) if (await recordEvent(tx, event)) written++;
    return written;
  });
}

export interface EventRow {
  id: string;
  sequence: bigint;
  type: string;
  version: number;
  orgId: string;
  environmentId: string | null;
  subjectType: string;
  subjectId: string;
  occurredAt: Date;
  payload: Prisma.JsonValue;
}

export interface EventFilter {
  type?: EventType;
  subjectId?: string;
}

/** The feed: an environment's events and its org's org-level ones, in sequence order. */
export function createEventLog({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Records events on their own, in one transaction (an activity's); how many were new. */
    record: (events: NewEvent[]) => recordEvents(prisma, events),

    async list(
      tenant: Tenant,
      filter: EventFilter,
      page: { limit: number; after?: bigint },
    ): Promise<{ rows: EventRow[]; more: boolean }> {
      const rows = await prisma.event.findMany({
        where: {
          orgId: tenant.orgId,
          OR: [{ environmentId: tenant.environmentId }, { environmentId: null }],
          ...(filter.type ? { type: filter.type } : {}),
          ...(filter.subjectId ? { subjectId: filter.subjectId } : {}),
          ...(page.after === undefined ? {} : { sequence: { gt: page.after } }),
        },
        orderBy: { sequence: 'asc' },
        take: page.limit + 1,
      });
      return { rows: rows.slice(0, page.limit), more: rows.length > page.limit };
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
