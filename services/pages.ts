import { Prisma } from '../generated/prisma/client.js';

// Keyset pagination for every list kept in the database: rows in (createdAt, id) order, a page
// starting strictly after the (createdAt, id) of the previous page's last row, never OFFSET. Each
// list has an index on its tenant column(s) followed by (createdAt, id), so a page is one index
// range scan however deep it is.

/** Where a page ended (or starts after): the sort key of a row. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export interface PageRequest {
  /** Rows in a page */
  limit: number;
  /** The position the page starts after; the first page without */
  after?: KeysetPosition;
}

/** A page of rows, and whether rows follow it. */
export interface Page<Row> {
  rows: Row[];
  more: boolean;
}

/** The order every keyset list reads in. */
export const keysetOrder = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/**
 * The Prisma condition for rows after `after`, i.e. (createdAt, id) > (after.createdAt, after.id),
 * written with a leading `createdAt >=` so PostgreSQL starts its index range scan at the position.
 */
export function keysetAfter(after: KeysetPosition | undefined) {
  if (after === undefined) return {};
  return {
    AND: [
      { createdAt: { gte: after.createdAt } },
      { OR: [{ createdAt: { gt: after.createdAt } }, { id: { gt: after.id } }] },
    ],
  };
}

/** The same condition for raw SQL over `alias`: a row comparison PostgreSQL matches to an index. */
export function keysetAfterSql(alias: string, after: KeysetPosition | undefined): Prisma.Sql {
  if (after === undefined) return Prisma.empty;
  const table = Prisma.raw(`"${alias}"`);
  return Prisma.sql`AND (${table}."createdAt", ${table}.id) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`;
}

/** Reads one row more than the page holds, to know whether another page follows. */
export async function readPage<Row>(
  request: PageRequest,
  read: (take: number) => Promise<Row[]>,
): Promise<Page<Row>> {
  const rows = await read(request.limit + 1);
  return { rows: rows.slice(0, request.limit), more: rows.length > request.limit };
}
