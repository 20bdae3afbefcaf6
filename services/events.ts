import {
  eventCatalog,
  type EventCatalog,
  type EventPayload,
  type EventType,
} from '../common/events.js';
import { DomainFailure } from '../common/failures.js';
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

/**
 * Refuses a cursor from before the newest event the data retention deleted from the org's log:
 * reading on from it would skip the events deleted after it without a word.
 */
async function refuseTrimmedCursor(
  prisma: PrismaClient,
  orgId: string,
  after: LogPosition,
): Promise<void> {
  const trim = await prisma.eventLogTrim.findUnique({ where: { orgId } });
  if (!trim) return;
  const before =
    after.transactionId < trim.transactionId ||
    (after.transactionId === trim.transactionId && after.sequence < trim.sequence);
  if (before)
    throw DomainFailure.invalid([
      {
        field: 'after',
        rule: 'expired',
        message:
          'events after this cursor are past the retention and were deleted; read from the start (without after)',
      },
    ]);
}

/** Which events a reader sees: one environment's and its org's org-level ones, perhaps fewer. */
export interface LogFilter {
  orgId: string;
  environmentId: string;
  /** Only these types (all when absent) */
  types?: readonly string[];
  subjectId?: string;
  /**
   * Only events whose transaction had not committed in this snapshot (pg_snapshot text): a
   * webhook endpoint's, taken when it was made, so it receives no event from before it existed
   */
  committedAfter?: string;
}

const eventColumns = Prisma.sql`id, sequence, "transactionId", type, version, "orgId",
  "environmentId", "subjectType", "subjectId", "occurredAt", payload`;

/** The rows of the filter's org and environment (and the org's own), of its types if any. */
const selectedBy = (filter: LogFilter) => Prisma.sql`"orgId" = ${filter.orgId}::uuid
  AND ("environmentId" = ${filter.environmentId}::uuid OR "environmentId" IS NULL)
  ${filter.types ? Prisma.sql`AND type = ANY(${[...filter.types]}::text[])` : Prisma.empty}
  ${
    filter.committedAfter === undefined
      ? Prisma.empty
      : Prisma.sql`AND NOT pg_visible_in_snapshot("transactionId"::text::xid8, ${filter.committedAfter}::pg_snapshot)`
  }`;

/** The sessions of the product's database that hold a transaction id, of every role. */
const writingSessions = Prisma.sql`SELECT pid, usename, backend_xid FROM pg_stat_activity
  WHERE datname = current_database() AND backend_xid IS NOT NULL`;

/** Where the log is settled, and the snapshot that fence was taken in. */
export interface LogFence {
  /** No event of a transaction id below this can appear any more */
  below: bigint;
  /** The statement's snapshot (pg_snapshot text) */
  snapshot: string;
}

/**
 * The log's fence: sequence numbers are taken when a row is inserted, not when it commits, so a
 * transaction that started earlier could still commit an event behind the last one read. Below
 * the fence every transaction that could write an event has ended, so a reader that reads below
 * it and moves its cursor past what it read never skips an event.
 *
 * Why it holds. S is this statement's snapshot, taken before the statement reads
 * pg_stat_activity. Every id below xmax(S) had been assigned by then; those still running at S
 * are xip(S). The fence is the lowest of xip(S) that a session of this database still holds when
 * pg_stat_activity is read, else xmax(S). A transaction below it had thus ended by S, or runs in
 * another database (it cannot write this database's Event table), or ended between S and that
 * read (a session clears its transaction id only once its commit is recorded). So every
 * transaction of this database below the fence has committed or aborted before this statement
 * ends, and a snapshot taken after it, the read's in a later statement, sees all of their events;
 * ids assigned later are at least xmax(S). Read in this same statement, the events would be
 * filtered by S, which does not see a transaction that ended after S was taken: hence two
 * statements. Transactions of other databases share the server's ids (the server-wide xmin counts
 * them) but never hold this fence back; one left open in this database does, and `hold` reports it.
 *
 * Every role's sessions count: PostgreSQL shows any role's backend_xid (not its xact_start), and
 * the owner (migrations) or an operator's session can write an event too. "transactionId" is
 * pg_current_xact_id(), the top-level transaction's id (also when written in a subtransaction),
 * as xip (64-bit) and backend_xid (its low 32 bits) are. A prepared (two-phase) transaction has
 * no session and would not count: the product prepares none. pg_stat_activity is read once per
 * transaction and kept to its end, so this must run in a transaction of its own: it takes the
 * client, never a transaction.
 */
export async function logFence(prisma: Pick<PrismaClient, '$queryRaw' | '$transaction'>) {
  const [fence] = await prisma.$queryRaw<LogFence[]>`
    SELECT least(pg_snapshot_xmax(s), (
        SELECT min(x) FROM pg_snapshot_xip(s) AS x
        WHERE x::text::bigint % 4294967296 IN (
          SELECT backend_xid::text::bigint FROM (${writingSessions}) AS w)
      ))::text::bigint AS below,
      s::text AS snapshot
    FROM pg_current_snapshot() AS s`;
  return fence!;
}

/**
 * The events after `after` that `filter` selects, below the fence `below` (logFence, taken in an
 * earlier statement), oldest first, at most `limit`.
 */
export function readLog(
  db: Pick<PrismaClient, '$queryRaw'>,
  filter: LogFilter,
  after: LogPosition,
  limit: number,
  below: bigint,
): Promise<EventRow[]> {
  return db.$queryRaw<EventRow[]>`
    SELECT ${eventColumns} FROM "Event"
    WHERE ${selectedBy(filter)}
      AND ("transactionId", sequence) > (${after.transactionId}::bigint, ${after.sequence}::bigint)
      AND "transactionId" < ${below}::bigint
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

/** A session of the product's database whose open transaction holds the log's fence back. */
interface LogHolder {
  /** Its server process (pg_stat_activity.pid, for pg_terminate_backend) */
  pid: number;
  role: string | null;
  /** Its transaction id (xid) */
  transactionId: string;
  /** How long it has been seen holding that transaction open, at least */
  heldForMs: number;
}

/** Whether the log is held back: by whom, and whether for longer than the bound. */
export interface LogHold {
  /** The session holding it back longest, if any does */
  holder: LogHolder | null;
  /** Whether that has lasted the bound (EVENT_LOG_STALL_REPORT_SECONDS) or longer */
  stalled: boolean;
}

/** The feed: an environment's events and its org's org-level ones, in the log's order. */
export function createEventLog(deps: {
  prisma: PrismaClient;
  /** How long a transaction may hold the log back before `hold` calls the log stalled */
  eventLogStallReportMs: number;
}) {
  const { prisma } = deps;
  // When each session's transaction was first seen: PostgreSQL shows another role's transaction
  // id but not when it began, so its age counts from the first look (runtime/event-log-watch.ts
  // looks often).
  let firstSeen = new Map<string, number>();
  let looking: Promise<LogHold> | undefined;
  async function look(): Promise<LogHold> {
    const sessions = await prisma.$queryRaw<{ pid: number; role: string | null; xid: string }[]>`
      SELECT pid, usename AS role, backend_xid::text AS xid FROM (${writingSessions}) AS w`;
    const now = performance.now();
    const seen = new Map<string, number>();
    let holder: LogHolder | null = null;
    for (const session of sessions) {
      const key = `${session.pid}:${session.xid}`;
      const since = firstSeen.get(key) ?? now;
      seen.set(key, since);
      if (!holder || now - since > holder.heldForMs)
        holder = {
          pid: session.pid,
          role: session.role,
          transactionId: session.xid,
          heldForMs: Math.round(now - since),
        };
    }
    firstSeen = seen;
    return { holder, stalled: holder !== null && holder.heldForMs >= deps.eventLogStallReportMs };
  }

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
      if (page.after) await refuseTrimmedCursor(prisma, tenant.orgId, page.after);
      const after = page.after ?? LOG_START;
      const fence = await logFence(prisma);
      const rows = await readLog(
        prisma,
        {
          ...tenant,
          types: filter.type ? [filter.type] : undefined,
          subjectId: filter.subjectId,
        },
        after,
        page.limit + 1,
        fence.below,
      );
      const shown = rows.slice(0, page.limit);
      const last = shown.at(-1);
      return {
        rows: shown,
        more: rows.length > page.limit,
        end: last ? positionOf(last) : after,
      };
    },

    /**
     * Whether a transaction open in the product's database holds the log back (the feed and every
     * webhook delivery wait for it), and for how long. Looks now; calls at the same time share
     * one look.
     */
    hold(): Promise<LogHold> {
      looking ??= look().finally(() => (looking = undefined));
      return looking;
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;
