import {
  eventCatalog,
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
// nothing on a second run. Every payload is checked against its type's schema (common/events.ts)
// before it is written: an event integrators cannot parse fails its change instead of reaching
// them (a few microseconds of zod per write). The table is append-only; the feed reads it in
// `sequence` order.

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
  const { version, payload } = eventCatalog[event.type];
  const checked = payload.safeParse(event.payload);
  if (!checked.success)
    throw new Error(
      `the ${event.type} event's payload does not fit its schema: ${checked.error.message}`,
    );
  const occurredAt = event.occurredAt ?? null;
  return Prisma.sql`
    INSERT INTO "Event" (id, type, version, "orgId", "environmentId", "subjectType", "subjectId", "occurredAt", payload)
    SELECT ${eventId(event.key)}::uuid, ${event.type}::text, ${version}::int,
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
  transactionId: bigint;
  type: string;
  version: number;
  orgId: string;
  environmentId: string | null;
  subjectType: string;
  subjectId: string;
  occurredAt: Date;
  payload: Prisma.JsonValue;
}

/** An event as integrators see it, in the feed and in a webhook's body alike. */
export function eventView(row: EventRow) {
  return {
    id: row.id,
    sequence: row.sequence.toString(),
    type: row.type,
    version: row.version,
    orgId: row.orgId,
    environmentId: row.environmentId,
    subject: { type: row.subjectType, id: row.subjectId },
    occurredAt: row.occurredAt.toISOString(),
    payload: row.payload,
  };
}

/** A place in the log: the log is read in (transactionId, sequence) order. */
export interface LogPosition {
  transactionId: bigint;
  sequence: bigint;
}

/** The position before every event. */
const LOG_START: LogPosition = { transactionId: 0n, sequence: 0n };

/** Which events a reader sees: one environment's and its org's org-level ones, perhaps fewer. */
export interface LogFilter {
  orgId: string;
  environmentId: string;
  /** Only these types (all when absent) */
  types?: readonly string[];
  subjectId?: string;
}

const eventColumns = Prisma.sql`id, sequence, "transactionId", type, version, "orgId",
  "environmentId", "subjectType", "subjectId", "occurredAt", payload`;

/** The rows of the filter's org and environment (and the org's own), of its types if any. */
const selectedBy = (filter: LogFilter) => Prisma.sql`"orgId" = ${filter.orgId}::uuid
  AND ("environmentId" = ${filter.environmentId}::uuid OR "environmentId" IS NULL)
  ${filter.types ? Prisma.sql`AND type = ANY(${[...filter.types]}::text[])` : Prisma.empty}`;

/**
 * The events after `after` that `filter` selects, oldest first, at most `limit`. Only events of
 * transactions older than every transaction still running are read: sequence numbers are taken
 * when a row is inserted, not when it commits, so a transaction that started earlier could still
 * commit an event behind the last one read. Below the oldest running transaction nothing more can
 * appear, so a reader that moves its cursor past what it read never skips an event.
 */
export function readLog(
  db: Pick<PrismaClient, '$queryRaw'>,
  filter: LogFilter,
  after: LogPosition,
  limit: number,
): Promise<EventRow[]> {
  return db.$queryRaw<EventRow[]>`
    SELECT ${eventColumns} FROM "Event"
    WHERE ${selectedBy(filter)}
      AND ("transactionId", sequence) > (${after.transactionId}::bigint, ${after.sequence}::bigint)
      AND "transactionId" < (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint
      ${filter.subjectId === undefined ? Prisma.empty : Prisma.sql`AND "subjectId" = ${filter.subjectId}`}
    ORDER BY "transactionId", sequence
    LIMIT ${limit}`;
}

/**
 * The events of `subjectIds` after `after` that `filter` selects and that were written before
 * `beforeSequence`, whatever transaction they belong to. A subject's changes hold its row lock,
 * so each of these committed before the later event of its subject that a reader holds: they are
 * all visible, even where the log's order (a transaction id taken at its first write) or the
 * fence puts them after it.
 */
export function readWrittenBefore(
  db: Pick<PrismaClient, '$queryRaw'>,
  filter: LogFilter,
  after: LogPosition,
  subjectIds: readonly string[],
  beforeSequence: bigint,
): Promise<EventRow[]> {
  return db.$queryRaw<EventRow[]>`
    SELECT ${eventColumns} FROM "Event"
    WHERE ${selectedBy(filter)}
      AND "subjectId" = ANY(${[...subjectIds]}::text[])
      AND sequence < ${beforeSequence}::bigint
      AND ("transactionId", sequence) > (${after.transactionId}::bigint, ${after.sequence}::bigint)
    ORDER BY sequence`;
}

export const positionOf = (row: EventRow): LogPosition => ({
  transactionId: row.transactionId,
  sequence: row.sequence,
});

/** The feed: an environment's events and its org's org-level ones, in the log's order. */
export function createEventLog({ prisma }: { prisma: PrismaClient }) {
  return {
    /** Records events on their own, in one transaction (an activity's); how many were new. */
    record: (events: NewEvent[]) => recordEvents(prisma, events),

    /**
     * A page of the feed and where it ends (the position to read on from, also when the page is
     * empty: a poller keeps it and asks again).
     */
    async list(
      tenant: Tenant,
      filter: { type?: EventType; subjectId?: string },
      page: { limit: number; after?: LogPosition },
    ): Promise<{ rows: EventRow[]; more: boolean; end: LogPosition }> {
      const after = page.after ?? LOG_START;
      const rows = await readLog(
        prisma,
        {
          ...tenant,
          types: filter.type ? [filter.type] : undefined,
          subjectId: filter.subjectId,
        },
        after,
        page.limit + 1,
      );
      const shown = rows.slice(0, page.limit);
      const last = shown.at(-1);
      return {
        rows: shown,
        more: rows.length > page.limit,
        end: last ? positionOf(last) : after,
      };
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
