import { Buffer } from 'node:buffer';
import { getOpenApiMetadata } from '@asteasolutions/zod-to-openapi';
import type { ZodType } from 'zod';
import type { LogPosition } from '../services/events.js';
import type { KeysetPosition, Page } from '../services/pages.js';
import { z } from './zod.js';

// One cursor-pagination style for every list of the API: `limit` (1-200, default 50) and `after`
// (the `next` of the previous page) in the query; `{items, next}` in the answer, `next` null on
// the last page. A cursor is opaque to clients: base64url of a small JSON document naming the list
// it belongs to and where the page ended (the sort key of its last row, or Temporal's own page
// token). A cursor that is not one this list made is a 400 naming `query.after`, rule
// `invalid_cursor`; it is never passed on to the database or to Temporal as it came.

const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;
/** Far above any cursor the API makes (a Temporal page token is a few hundred bytes). */
const MAX_CURSOR_LENGTH = 2048;

const pageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .openapi({ description: `Items per page (1-${MAX_PAGE_SIZE})` });

function toBase64Url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function fromBase64Url(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Far outside the times rows are made at, well inside what PostgreSQL and JS dates hold. */
const EARLIEST_ROW = Date.UTC(1970, 0, 1);
const LATEST_ROW = Date.UTC(10000, 0, 1);

/** Where a keyset page ended: the (createdAt, id) of its last row. */
const keysetShape = z.strictObject({
  l: z.string(),
  c: z.iso.datetime().refine((text) => {
    const time = Date.parse(text);
    return time >= EARLIEST_ROW && time < LATEST_ROW;
  }),
  i: z.uuid(),
});

/** Where a page of Temporal's visibility ended: its page token (as the list's process sealed it). */
const tokenShape = z.strictObject({ l: z.string(), t: z.base64() });

/** A pagination style for one list: its query fields, and the cursor reading and writing. */
interface Cursors<Position> {
  /** `limit` and `after`: spread into the list's z.strictObject beside its filters */
  query: { limit: typeof pageLimit; after: z.ZodOptional<z.ZodString> };
  /** The position an `after` names (validated by `query.after` already), or undefined for none */
  read(after: string | undefined): Position | undefined;
  write(position: Position): string;
}

/** The `after` of a list: refused as `invalid_cursor` unless `valid`. */
function afterField(valid: (cursor: string) => boolean) {
  return z
    .string()
    .max(MAX_CURSOR_LENGTH)
    .refine(valid, {
      message: "must be the `next` of this list's previous page",
      params: { rule: 'invalid_cursor' },
    })
    .optional()
    .openapi({ description: 'The `next` of the previous page (an opaque cursor)' });
}

function cursors<Shape extends { l: string }, Position>(
  list: string,
  shape: ZodType<Shape>,
  toPosition: (decoded: Shape) => Position,
  fromPosition: (position: Position) => Shape,
): Cursors<Position> {
  const decode = (cursor: string): Position | undefined => {
    const parsed = shape.safeParse(fromBase64Url(cursor));
    return parsed.success && parsed.data.l === list ? toPosition(parsed.data) : undefined;
  };
  return {
    query: {
      limit: pageLimit,
      after: afterField((cursor) => decode(cursor) !== undefined),
    },
    read: (after) => (after === undefined ? undefined : decode(after)),
    write: (position) => toBase64Url(fromPosition(position)),
  };
}

/**
 * Cursors of a list kept in the database, ordered by (createdAt, id): the service reads the rows
 * after that pair (keyset pagination, never OFFSET). `list` names the list, so a cursor of one list
 * given to another is refused instead of read as a position in it.
 */
export function keysetCursors(list: string): Cursors<KeysetPosition> {
  return cursors(
    list,
    keysetShape,
    (decoded) => ({ createdAt: new Date(decoded.c), id: decoded.i }),
    (position) => ({ l: list, c: position.createdAt.toISOString(), i: position.id }),
  );
}

const MAX_BIGINT = 2n ** 63n - 1n;
/** A PostgreSQL bigint, as decimal text */
const bigintText = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/)
  .refine((text) => BigInt(text) <= MAX_BIGINT);

/** Where a page of the event log ended: its last event's transaction id and sequence number. */
const logPositionShape = z.strictObject({ l: z.string(), x: bigintText, s: bigintText });

/**
 * Cursors of the event log, read in (transactionId, sequence) order (services/events.ts): the
 * page starts after the previous page's last event.
 */
export function logCursors(list: string): Cursors<LogPosition> {
  return cursors(
    list,
    logPositionShape,
    (decoded) => ({ transactionId: BigInt(decoded.x), sequence: BigInt(decoded.s) }),
    (position) => ({
      l: list,
      x: position.transactionId.toString(),
      s: position.sequence.toString(),
    }),
  );
}

/**
 * Cursors of a list read from Temporal's visibility, wrapping its nextPageToken as the list's
 * process gave it out (sealed with the query it belongs to; the process opens it again).
 */
export function visibilityCursors(list: string): Cursors<Uint8Array> {
  return cursors(
    list,
    tokenShape,
    (decoded) => Buffer.from(decoded.t, 'base64'),
    (token) => ({ l: list, t: Buffer.from(token).toString('base64') }),
  );
}

/**
 * `limit` and `after` of a history list (an account's status changes, a program's changes): its
 * `next` is the id of the page's last entry (a bigserial), as it is.
 */
export const historyCursorQuery = {
  limit: pageLimit,
  after: afterField((cursor) => /^[0-9]{1,18}$/.test(cursor)),
};

/** The answer of a keyset list: its items and the cursor of the next page (null on the last). */
export function keysetPage<Row extends KeysetPosition, Item>(
  page: Page<Row>,
  cursor: Cursors<KeysetPosition>,
  view: (row: Row) => Item,
): { items: Item[]; next: string | null } {
  const last = page.rows.at(-1);
  return {
    items: page.rows.map(view),
    next: page.more && last ? cursor.write({ createdAt: last.createdAt, id: last.id }) : null,
  };
}

/** The response schema of a page of `item`; its example is a page of the item's example. */
export function pageSchema<Item extends ZodType>(item: Item) {
  const itemExample: unknown = getOpenApiMetadata(item).example;
  return z
    .object({
      items: z.array(item),
      next: z
        .string()
        .nullable()
        .openapi({ description: 'Give as `after` for the next page; null on the last page' }),
    })
    .openapi(
      itemExample === undefined
        ? {}
        : {
            example: {
              items: [itemExample],
              next: 'eyJsaXN0IjoiYWNjb3VudHMiLCJhdCI6IjIwMjYtMDMtMDYifQ',
            },
          },
    );
}
