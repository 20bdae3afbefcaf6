import { Problem } from './problem.js';
import { z } from './zod.js';

// An account's version travels over HTTP as its ETag ("v3"); If-Match sends it back so a change
// made on a stale view is refused (412) instead of overwriting what another operator did.

/** An ETag this API sends, as If-Match may name it. */
const ETAG = /^\s*(?:W\/)?"v(\d{1,9})"\s*$/;
const ETAG_OR_ANY = /^\s*(?:(?:W\/)?"v\d{1,9}"|\*)\s*$/;

export function etagOf(version: number): string {
  return `"v${version}"`;
}

export const ifMatchHeader = z.object({
  'If-Match': z.string().regex(ETAG_OR_ANY).optional().openapi({
    description:
      'The ETag the change is based on, e.g. "v3" (or * for any); 412 if the account moved on',
  }),
});

/** The version an If-Match header names; undefined without one or for "*". */
export function ifMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = ETAG.exec(header);
  if (!match) {
    throw Problem.validation([
      {
        field: 'headers.if-match',
        rule: 'invalid_etag',
        message: 'must be an ETag this API sent, such as "v3"',
      },
    ]);
  }
  return Number(match[1]);
}
