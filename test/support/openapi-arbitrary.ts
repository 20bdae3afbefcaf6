import fc from 'fast-check';

// fast-check arbitraries from the API's own OpenAPI document, whose schemas are generated from
// the zod schemas that validate requests: valid requests of every operation, and the same
// requests with one part made hostile (control characters, broken Unicode, huge or empty
// strings, wrong types, numbers past 2^53, unknown or missing fields, foreign ids).

type Schema = Record<string, any>;
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
export interface Operation {
  security?: Record<string, unknown>[];
  parameters?: {
    name: string;
    in: 'path' | 'query' | 'header';
    required?: boolean;
    schema: Schema;
  }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** Values to use, most of the time, for fields and parameters of these names (ids that exist, zones the server knows). */
export type Hints = Record<string, readonly string[]>;

export interface GeneratedRequest {
  method: string;
  /** The document's path, e.g. /v1/accounts/{accountId} */
  route: string;
  /** The path with its parameters filled in */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  hostile: boolean;
}

const HOSTILE_STRINGS = [
  'nul\u0000inside',
  '\u0000',
  'escape \u001b[31m red',
  'bell\u0007',
  'c1 \u0085 control',
  'half \ud800 pair',
  '\udc00',
  '',
  '   ',
  'line\nbreak',
  'x'.repeat(10_000),
  '💳'.repeat(300),
  '../../etc/passwd',
  '\'; DROP TABLE "Account"; --',
  '%00%ff%E0%A4%A',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];
/** Characters no field may hold: NUL and other controls, DEL, a C1 control, half a surrogate pair */
const BAD_CHARACTERS = ['\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\ud800', '\udfff'];
const HOSTILE_NUMBERS = [
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e308,
  -1,
  0,
  1.5,
  Number.MAX_SAFE_INTEGER,
  10 ** 15 + 1,
];
const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  ...HOSTILE_NUMBERS,
  true,
  false,
  null,
  [],
  {},
  [[[[[[[[]]]]]]]],
  { nested: { deeper: ['x'] } },
];

export function createArbitraries(
  document: OpenApiDocument,
  hints: Hints,
  foreignIds: readonly string[],
) {
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref)
      return resolve(document.components!.schemas![(schema.$ref as string).split('/').at(-1)!]!);
    if (schema.allOf)
      return Object.assign({}, ...(schema.allOf as Schema[]).map(resolve), { allOf: undefined });
    return schema;
  };

  /** A value valid for `schema`; `name` is the field or parameter it is for. */
  function valid(input: Schema, name?: string): fc.Arbitrary<unknown> {
    const schema = resolve(input);
    const hinted = name && hints[name];
    if (hinted && hinted.length > 0) {
      return fc.oneof(
        { arbitrary: fc.constantFrom(...hinted), weight: 4 },
        { arbitrary: plain(schema, name), weight: 1 },
      );
    }
    return plain(schema, name);
  }

  function plain(schema: Schema, name?: string): fc.Arbitrary<unknown> {
    if (schema.anyOf || schema.oneOf)
      return fc.oneof(...((schema.anyOf ?? schema.oneOf) as Schema[]).map((s) => valid(s, name)));
    if ('const' in schema) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Array.isArray(schema.type))
      return fc.oneof(...(schema.type as string[]).map((type) => plain({ ...schema, type }, name)));
    switch (schema.type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min =
          typeof schema.minimum === 'number'
            ? schema.minimum
            : schema.exclusiveMinimum !== undefined
              ? schema.exclusiveMinimum + 1
              : -1_000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000;
        return fc.oneof(
          fc.integer({ min: Math.max(min, -1_000), max: Math.min(max, 10_000) }),
          fc.constantFrom(min, max),
        );
      }
      case 'array': {
        const items = schema.items ? valid(schema.items as Schema, name) : fc.anything();
        return fc.array(items, {
          minLength: schema.minItems ?? 0,
          maxLength: Math.min(schema.maxItems ?? 3, Math.max(schema.minItems ?? 0, 3)),
        });
      }
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        if (Object.keys(properties).length === 0) return fc.constant({});
        // A read-only property is one a request must not send (a program's type in its PATCH)
        const model = Object.fromEntries(
          Object.entries(properties)
            .filter(([, property]) => resolve(property).readOnly !== true)
            .map(([key, property]) => [key, valid(property, key)]),
        );
        return fc.record(model, { requiredKeys: (schema.required ?? []) as string[] });
      }
      case 'string':
      default:
        return string(schema);
    }
  }

  function string(schema: Schema): fc.Arbitrary<string> {
    const minLength = schema.minLength ?? 0;
    const maxLength = schema.maxLength ?? 40;
    switch (schema.format) {
      case 'uuid':
        return fc.uuid();
      case 'email':
        return fc.emailAddress();
      case 'date':
        return fc
          .date({ min: new Date('1950-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      case 'date-time':
        // Now-ish times would start timers that fire while the fuzz runs; a day or more either way
        return fc
          .oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: -400, max: -1 }))
          .map((days) => new Date(Date.now() + days * 86_400_000).toISOString());
    }
    const text = schema.pattern
      ? fc.stringMatching(new RegExp(schema.pattern as string))
      : fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 40) });
    return text.filter(
      (value) =>
        value.length >= minLength &&
        value.length <= maxLength &&
        (minLength === 0 || value.trim().length > 0),
    );
  }

  /**
   * `value` made hostile one of two ways: a bad character slipped into every string it holds
   * (the strings otherwise as valid as before, so they get past every other rule), or one part
   * replaced (most often by a bad value of the same type: a string with control characters, a
   * number past 2^53; else any other type or a foreign id), removed, or joined by an unknown field.
   */
  function hostile(value: unknown): fc.Arbitrary<unknown> {
    const foreign = fc.constantFrom(...(foreignIds.length ? foreignIds : ['none']));
    const slipped = fc
      .record({
        char: fc.constantFrom(...BAD_CHARACTERS),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(({ char, at }) => insertIntoStrings(value, char, at));
    const replaced = fc.constantFrom(...pathsOf(value)).chain((path) => {
      const current = path.reduce<unknown>(
        (node, key) => (node as Record<string | number, unknown>)?.[key],
        value,
      );
      const sameType =
        typeof current === 'string'
          ? fc.constantFrom(...HOSTILE_STRINGS)
          : typeof current === 'number'
            ? fc.constantFrom(...HOSTILE_NUMBERS)
            : fc.constantFrom(...HOSTILE_VALUES);
      return fc
        .record({
          replacement: fc.oneof(
            { arbitrary: sameType, weight: 4 },
            { arbitrary: fc.constantFrom(...HOSTILE_VALUES), weight: 2 },
            { arbitrary: foreign, weight: 1 },
          ),
          how: fc.constantFrom('replace', 'replace', 'replace', 'remove', 'add_unknown'),
        })
        .map(({ replacement, how }) => mutate(value, path, how, replacement));
    });
    return fc.oneof(slipped, replaced);
  }

  /** Every request of one operation, valid or with one hostile part. */
  function request(
    route: string,
    method: string,
    operation: Operation,
  ): fc.Arbitrary<GeneratedRequest> {
    const parameters = operation.parameters ?? [];
    const params = (where: 'path' | 'query' | 'header') => {
      const list = parameters.filter((p) => p.in === where);
      return fc.record(Object.fromEntries(list.map((p) => [p.name, valid(p.schema, p.name)])), {
        requiredKeys: list.filter((p) => p.required || where === 'path').map((p) => p.name),
      }) as fc.Arbitrary<Record<string, unknown>>;
    };
    const bodySchema = operation.requestBody?.content['application/json']?.schema;
    return fc
      .record({
        path: params('path'),
        query: params('query'),
        headers: params('header'),
        body: bodySchema ? valid(bodySchema) : fc.constant(undefined),
        hostile: fc.boolean(),
      })
      .chain((r) => {
        if (!r.hostile) return fc.constant(r);
        const parts = bodySchema
          ? ['body', 'body', 'body', 'path', 'query', 'headers']
          : ['path', 'query', 'headers'];
        return fc.constantFrom(...parts).chain((part) => {
          const current = r[part as 'path' | 'query' | 'headers' | 'body'];
          return hostile(current).map((mutated) => ({ ...r, [part]: mutated }));
        });
      })
      .map((r) => ({
        method: method.toUpperCase(),
        route,
        path: route.replace(/\{(\w+)\}/g, (_, name: string) => pathSegment(asText(r.path?.[name]))),
        query: stringsOf(r.query),
        headers: stringsOf(r.headers),
        body: r.body,
        hostile: r.hostile,
      }));
  }

  return { valid, hostile, request };
}

/** Percent-encoded, a lone surrogate as the bytes it would be in CESU-8: malformed UTF-8 on purpose. */
function pathSegment(text: string): string {
  return Array.from(text, (char) =>
    /^[\uD800-\uDFFF]$/.test(char) ? '%ED%A0%80' : encodeURIComponent(char),
  ).join('');
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/** Query strings and headers carry text: every value as text, objects as JSON. */
function stringsOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { value: asText(value) };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]));
}

/** `value` with `char` put into every string it holds, at the same relative place. */
function insertIntoStrings(value: unknown, char: string, at: number): unknown {
  if (typeof value === 'string') {
    const index = Math.floor(value.length * at);
    return `${value.slice(0, index)}${char}${value.slice(index)}`;
  }
  if (Array.isArray(value)) return value.map((item) => insertIntoStrings(item, char, at));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, insertIntoStrings(item, char, at)]),
    );
  }
  return value;
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value))
    value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

function mutate(value: unknown, path: Path, how: string, replacement: unknown): unknown {
  if (path.length === 0)
    return how === 'add_unknown' && value && typeof value === 'object'
      ? { ...value, unknownField: replacement }
      : replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (how === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (
    how === 'add_unknown' &&
    parent[last] &&
    typeof parent[last] === 'object' &&
    !Array.isArray(parent[last])
  ) {
    (parent[last] as Record<string, unknown>).unknownField = replacement;
  } else {
    parent[last] = replacement;
  }
  return copy;
}

/**
 * A generated request as the harness's HTTP client sends it. Header values keep only what a field
 * value may hold (tab, visible ASCII, space, Latin-1; RFC 9110): no client sends anything else.
 */
export function asHttpRequest(request: GeneratedRequest, key: string | undefined) {
  const query = new URLSearchParams(request.query).toString();
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      value.replace(/[^\t\x20-\x7e\x80-\xff]/g, ''),
    ]),
  );
  return {
    method: request.method,
    path: `${request.path}${query ? `?${query}` : ''}`,
    options: {
      key,
      headers: {
        ...headers,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { raw: JSON.stringify(request.body) }),
    },
  };
}
