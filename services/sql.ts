/** One statement with `$1`-style placeholders; a `Prisma.sql` template is one. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * Statements on the product's connection pool without Prisma, for the hot paths where Prisma's
 * per-query cost is more than it gives. Each statement runs on its own (autocommit) and is
 * prepared once per connection under its name (unless DATABASE_PREPARED_STATEMENTS=unnamed, for a
 * pooler that cannot keep named statements). Rows come as Prisma's raw queries give them:
 * int8 as bigint, timestamps as Dates, json parsed.
 */
export interface Sql {
  query<Row>(name: string, statement: Statement): Promise<Row[]>;
}
