import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z, type ZodError } from 'zod';
import type { FieldError } from './problem.js';

extendZodWithOpenApi(z);

export { z };

/** Turns zod issues into field errors that name the field and the rule it broke. */
export function fieldErrors(error: ZodError, location: 'body' | 'query' | 'params' | 'headers'): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    const at = (segments: PropertyKey[]) =>
      [location, ...segments.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: at([...issue.path, key]),
        rule: 'unknown_field',
        message: 'is not a field of this request',
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return [
      {
        field: at(issue.path),
        rule: missing ? 'required' : ruleName(issue),
        message: missing ? 'is required' : issue.message,
      },
    ];
  });
}

function ruleName(issue: ZodError['issues'][number]): string {
  if (issue.code === 'custom') return (issue.params?.rule as string | undefined) ?? 'custom';
  if (issue.code === 'too_small') return issue.origin === 'string' ? 'too_short' : 'too_small';
  if (issue.code === 'too_big') return issue.origin === 'string' ? 'too_long' : 'too_big';
  if (issue.code === 'invalid_format') return `invalid_${issue.format}`;
  return issue.code;
}
