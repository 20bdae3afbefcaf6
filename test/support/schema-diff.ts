import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type pg from 'pg';

// Compares the live database with the Prisma datamodel: tables, columns (type, nullability),
// primary keys, unique and plain indexes, foreign keys and enums. Migrations are written by hand,
// so this is what keeps them honest.

interface TableShape {
  columns: Record<string, { type: string; nullable: boolean }>;
  indexes: Record<string, { columns: string[]; unique: boolean; primary: boolean }>;
  foreignKeys: Record<
    string,
    {
      columns: string[];
      references: string;
      referencedColumns: string[];
      onDelete: string;
      onUpdate: string;
    }
  >;
}

export interface SchemaShape {
  tables: Record<string, TableShape>;
  enums: Record<string, string[]>;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: {
      name: string;
      dbName?: string | null;
      values: { name: string; dbName?: string | null }[];
    }[];
    indexes: {
      model: string;
      type: 'id' | 'unique' | 'normal' | 'fulltext';
      dbName?: string | null;
      fields: { name: string }[];
    }[];
  };
}

export async function readDmmf(schemaPath: string): Promise<Dmmf> {
  const require = createRequire(import.meta.url);
  const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
  const prismaSchema = await readFile(schemaPath, 'utf8');
  return JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema }))) as Dmmf;
}

const needsQuotes = (name: string) => !/^[a-z_][a-z0-9_]*$/.test(name);
const quoted = (name: string) => (needsQuotes(name) ? `"${name}"` : name);

function nativeTypeName(field: DmmfField): string {
  const [name, args] = field.nativeType ?? [undefined, []];
  const withArgs = (base: string) => (args.length ? `${base}(${args.join(',')})` : base);
  switch (name) {
    case 'Uuid':
      return 'uuid';
    case 'Text':
      return 'text';
    case 'VarChar':
      return withArgs('character varying');
    case 'Char':
      return withArgs('character');
    case 'Timestamptz':
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'Timestamp':
      return `timestamp(${args[0] ?? 6}) without time zone`;
    case 'Date':
      return 'date';
    case 'Integer':
      return 'integer';
    case 'SmallInt':
      return 'smallint';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'boolean';
    case 'DoublePrecision':
      return 'double precision';
    case 'Decimal':
      return withArgs('numeric');
    case 'JsonB':
      return 'jsonb';
    case 'Json':
      return 'json';
    case undefined:
      break;
    default:
      throw new Error(`schema-diff does not know native type @db.${name}`);
  }
  const defaults: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Float: 'double precision',
    Decimal: 'numeric(65,30)',
    Boolean: 'boolean',
    DateTime: 'timestamp(3) without time zone',
    Json: 'jsonb',
    Bytes: 'bytea',
  };
  const type = defaults[field.type];
  if (!type) throw new Error(`schema-diff does not know Prisma type ${field.type}`);
  return type;
}

const referentialAction: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

export function expectedSchema(dmmf: Dmmf): SchemaShape {
  const tables: Record<string, TableShape> = {};
  const tableName = (model: string) => {
    const m = dmmf.datamodel.models.find((x) => x.name === model);
    return m?.dbName ?? model;
  };
  const enumNames = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));

  for (const model of dmmf.datamodel.models) {
    const table = tableName(model.name);
    const columnOf = (fieldName: string) => {
      const field = model.fields.find((f) => f.name === fieldName);
      return field?.dbName ?? fieldName;
    };
    const shape: TableShape = { columns: {}, indexes: {}, foreignKeys: {} };
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields?.length) {
          const columns = field.relationFromFields.map(columnOf);
          const target = dmmf.datamodel.models.find((m) => m.name === field.type)!;
          const targetColumn = (name: string) =>
            target.fields.find((f) => f.name === name)?.dbName ?? name;
          const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
          shape.foreignKeys[`${table}_${columns.join('_')}_fkey`] = {
            columns,
            references: tableName(field.type),
            referencedColumns: (field.relationToFields ?? []).map(targetColumn),
            onDelete: referentialAction[onDelete]!,
            onUpdate: referentialAction[field.relationOnUpdate ?? 'Cascade']!,
          };
        }
        continue;
      }
      const base =
        field.kind === 'enum'
          ? quoted(enumNames.get(field.type) ?? field.type)
          : nativeTypeName(field);
      shape.columns[field.dbName ?? field.name] = {
        type: field.isList ? `${base}[]` : base,
        // Prisma leaves scalar lists nullable in PostgreSQL
        nullable: field.isList || !field.isRequired,
      };
    }
    tables[table] = shape;
  }

  for (const index of dmmf.datamodel.indexes) {
    const model = dmmf.datamodel.models.find((m) => m.name === index.model)!;
    const table = tableName(index.model);
    const columns = index.fields.map(
      (f) => model.fields.find((x) => x.name === f.name)?.dbName ?? f.name,
    );
    const suffix = { id: 'pkey', unique: 'key', normal: 'idx', fulltext: 'idx' }[index.type];
    const name =
      index.dbName ??
      (index.type === 'id' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`);
    tables[table]!.indexes[name] = {
      columns,
      unique: index.type !== 'normal',
      primary: index.type === 'id',
    };
  }

  const enums = Object.fromEntries(
    dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.dbName ?? v.name)]),
  );
  return { tables, enums };
}

const actionCode: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

export async function liveSchema(client: pg.Client): Promise<SchemaShape> {
  const ignored = ['_prisma_migrations'];
  const tables: Record<string, TableShape> = {};
  const table = (name: string) => (tables[name] ??= { columns: {}, indexes: {}, foreignKeys: {} });

  const columns = await client.query<{
    table: string;
    column: string;
    type: string;
    nullable: boolean;
  }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           NOT a.attnotnull AS nullable
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped`);
  for (const row of columns.rows) {
    if (ignored.includes(row.table)) continue;
    table(row.table).columns[row.column] = { type: row.type, nullable: row.nullable };
  }

  const indexes = await client.query<{
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    columns: string[];
  }>(`
    SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
           array_agg(a.attname ORDER BY k.ord)::text[] AS columns
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE n.nspname = current_schema() AND NOT t.relispartition
    GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary`);
  for (const row of indexes.rows) {
    if (ignored.includes(row.table)) continue;
    table(row.table).indexes[row.name] = {
      columns: row.columns,
      unique: row.unique,
      primary: row.primary,
    };
  }

  const foreignKeys = await client.query<{
    table: string;
    name: string;
    references: string;
    on_delete: string;
    on_update: string;
    columns: string[];
    referenced_columns: string[];
  }>(`
    SELECT t.relname AS table, con.conname AS name, r.relname AS references,
           con.confdeltype AS on_delete, con.confupdtype AS on_update,
           (SELECT array_agg(a.attname ORDER BY k.ord)::text[] FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
           (SELECT array_agg(a.attname ORDER BY k.ord)::text[] FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS referenced_columns
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid
    JOIN pg_class r ON r.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE con.contype = 'f' AND n.nspname = current_schema() AND NOT t.relispartition`);
  for (const row of foreignKeys.rows) {
    table(row.table).foreignKeys[row.name] = {
      columns: row.columns,
      references: row.references,
      referencedColumns: row.referenced_columns,
      onDelete: actionCode[row.on_delete]!,
      onUpdate: actionCode[row.on_update]!,
    };
  }

  const enumRows = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() GROUP BY t.typname`);
  const enums = Object.fromEntries(enumRows.rows.map((row) => [row.name, row.values]));
  return { tables, enums };
}

/** Human-readable differences; empty when the database matches the datamodel. */
export function diffSchemas(expected: SchemaShape, live: SchemaShape): string[] {
  const differences: string[] = [];
  const compareKeys = <T>(
    where: string,
    want: Record<string, T>,
    have: Record<string, T>,
    describe: string,
  ) => {
    for (const key of Object.keys(want)) {
      if (!(key in have))
        differences.push(`${where}: ${describe} ${key} is in the schema but not in the database`);
      else if (JSON.stringify(want[key]) !== JSON.stringify(have[key])) {
        differences.push(
          `${where}: ${describe} ${key} is ${JSON.stringify(have[key])} in the database, schema says ${JSON.stringify(want[key])}`,
        );
      }
    }
    for (const key of Object.keys(have)) {
      if (!(key in want))
        differences.push(`${where}: ${describe} ${key} is in the database but not in the schema`);
    }
  };
  compareKeys('enums', expected.enums, live.enums, 'enum');
  for (const name of new Set([...Object.keys(expected.tables), ...Object.keys(live.tables)])) {
    const want = expected.tables[name];
    const have = live.tables[name];
    if (!want) {
      differences.push(`table ${name} is in the database but not in the schema`);
      continue;
    }
    if (!have) {
      differences.push(`table ${name} is in the schema but not in the database`);
      continue;
    }
    compareKeys(name, want.columns, have.columns, 'column');
    compareKeys(name, want.indexes, have.indexes, 'index');
    compareKeys(name, want.foreignKeys, have.foreignKeys, 'foreign key');
  }
  return differences;
}
