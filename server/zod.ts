import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z, type ZodError } from 'zod';
import { CONTROL_CHARACTER, LONE_SURROGATE } from '../common/text.js';
import type { FieldError } from './problem.js';

extendZodWithOpenApi(z);

export { z };

export type InputLocation = 'body' | 'query' | 'params' | 'headers';

/**
 * Refuses a tab or line break, the control characters hostileInputErrors lets through for free
 * text. On a URL it is checked on the raw input, as the WHATWG parser would silently drop them.
 */
export function oneLine<T extends z.ZodType<string>>(schema: T) {
  return schema.refine((value) => !/[\t\n\r]/.test(value), {
    message: 'must be one line: no tab or line break',
    params: { rule: 'control_character' },
  });
}

/** A single-line text field: trimmed, 1 to `max` characters, no control character at all. */
export function text(max: number) {
  return oneLine(z.string().trim().min(1).max(max)).openapi({
    pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$',
  });
}

/** Free text (a description, notes): trimmed, 1 to `max` characters; tabs and line breaks allowed. */
export function prose(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .openapi({ pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$' });
}

/** Deeper than any request shape of this API; bounds the work any later step does on the input. */
const MAX_INPUT_DEPTH = 16;

/**
 * What no field of any request may hold, checked once for every string and key of the input
 * before the route's own schema: control characters, broken Unicode, nesting deeper than the API
 * ever uses. Iterative, so no input can exhaust the stack.
 */
export function hostileInputErrors(input: unknown, location: InputLocation): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string[]; depth: number }[] = [
    { value: input, path: [], depth: 0 },
  ];
  const check = (value: string, path: string[]) => {
    const field = [location, ...path].join('.');
    if (CONTROL_CHARACTER.test(value)) {
      errors.push({
        field,
        rule: 'control_character',
        message: 'must not contain control characters (such as U+0000)',
      });
    } else if (LONE_SURROGATE.test(value)) {
      errors.push({ field, rule: 'invalid_unicode', message: 'must be well-formed Unicode text' });
    }
  };
  while (stack.length > 0 && errors.length < 20) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      check(value, path);
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) {
        errors.push({
          field: [location, ...path].join('.'),
          rule: 'too_deep',
          message: `must not nest more than ${MAX_INPUT_DEPTH} levels`,
        });
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        check(key, [...path, key]);
        stack.push({ value: child, path: [...path, key], depth: depth + 1 });
      }
    }
  }
  return errors;
}

type Issue = ZodError['issues'][number];

/**
 * Turns zod issues into field errors that name the field and the rule it broke: `required` when
 * the field is absent from the input, `invalid_type` when it is there with the wrong type,
 * `invalid_value` when it is not one of the allowed values, and so on.
 */
export function fieldErrors(
  error: ZodError,
  location: InputLocation,
  input: unknown,
): FieldError[] {
  return issuesToErrors(error.issues, [], location, input);
}

function issuesToErrors(
  issues: readonly Issue[],
  base: PropertyKey[],
  location: InputLocation,
  input: unknown,
): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const path = [...base, ...issue.path];
    const field = [location, ...path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: `${field}.${key}`,
        rule: 'unknown_field',
        message: 'is not a field of this request',
      }));
    }
    if (issue.code === 'invalid_union') return unionErrors(issue, path, location, input);
    if (!present(input, path)) return [{ field, rule: 'required', message: 'is required' }];
    return [{ field, rule: ruleName(issue), message: messageOf(issue) }];
  });
}

/**
 * A value that fits none of a union's shapes: the errors of the shape it was meant to be (the one
 * whose distinguishing field it has), or one error listing the shapes when it has none of them.
 */
function unionErrors(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: PropertyKey[],
  location: InputLocation,
  input: unknown,
): FieldError[] {
  const value = valueAt(input, path);
  const branches = issue.errors.map((branch) => {
    const missingTopKeys = branch
      .filter((i) => i.path.length === 1 && i.code === 'invalid_type' && !present(value, i.path))
      .map((i) => String(i.path[0]));
    return { branch, missingTopKeys };
  });
  // A value with the keys of several shapes (a person and a company) is none of them: every
  // shape refuses the others' keys.
  const mixesShapes = branches.every(({ branch }) =>
    branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0),
  );
  const meant = branches
    .filter((b) => b.missingTopKeys.length === 0)
    .sort((a, b) => a.branch.length - b.branch.length)[0];
  if (meant && !mixesShapes && value !== null && typeof value === 'object')
    return issuesToErrors(meant.branch, path, location, input);
  const field = [location, ...path.map(String)].join('.');
  if (!present(input, path)) return [{ field, rule: 'required', message: 'is required' }];
  const shapes = branches.flatMap((b) => b.missingTopKeys);
  const message = !/^Invalid/.test(issue.message)
    ? issue.message
    : shapes.length > 0
      ? `must have exactly one of: ${[...new Set(shapes)].join(', ')}`
      : 'does not match any of the allowed shapes';
  return [{ field, rule: 'invalid_union', message }];
}

/**
 * What a union of named shapes (`{ person: {...} }` or `{ company: {...} }`) expects, as the
 * message for a value that fits none of them: each shape's key and the fields it requires.
 */
export function namedShapesMessage(shapes: Record<string, z.ZodObject>): string {
  const described = Object.entries(shapes).map(([key, schema]) => {
    const required = Object.entries(schema.shape)
      .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
      .map(([name]) => name);
    return `"${key}" (requires ${required.join(', ')})`;
  });
  return `must be an object with exactly one of ${described.join(' or ')}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function present(input: unknown, path: readonly PropertyKey[]): boolean {
  return valueAt(input, path) !== undefined;
}

function ruleName(issue: Issue): string {
  switch (issue.code) {
    case 'custom':
      return (issue.params?.rule as string | undefined) ?? 'invalid_value';
    case 'too_small':
      return issue.origin === 'string'
        ? 'too_short'
        : issue.origin === 'array'
          ? 'too_few'
          : 'too_small';
    case 'too_big':
      return issue.origin === 'string'
        ? 'too_long'
        : issue.origin === 'array'
          ? 'too_many'
          : 'too_big';
    case 'invalid_format':
      return issue.format === 'regex' ? 'invalid_format' : `invalid_${issue.format}`;
    case 'not_multiple_of':
      return 'not_multiple_of';
    case 'invalid_key':
    case 'invalid_element':
      return 'invalid_value';
    default:
      return issue.code;
  }
}

function messageOf(issue: Issue): string {
  // A message the schema gives is kept; zod's own defaults ("Invalid input: …") are reworded.
  if (!/^(Invalid|Too (small|big))/.test(issue.message)) return issue.message;
  if (issue.code === 'invalid_type') {
    return issue.expected === 'int' ? 'must be an integer' : `must be ${article(issue.expected)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The body of a PATCH: every field optional, and at least one of them given. */
export function patchBody<Shape extends z.ZodRawShape>(shape: Shape) {
  return z
    .strictObject(shape)
    .refine((body) => Object.values(body).some((value) => value !== undefined), {
      message: 'must name at least one field to change',
      params: { rule: 'no_fields' },
    })
    .openapi({ minProperties: 1 });
}
