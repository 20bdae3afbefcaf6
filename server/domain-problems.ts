import { DomainFailure, type FieldIssue } from '../common/failures.js';
import { etagOf } from './etag.js';
import { Problem } from './problem.js';
import type { InputLocation } from './zod.js';

// The one place a domain failure becomes an HTTP answer: its kind picks the problem type and
// status, its fields are named where the request carried them (body.reasonId, query.end_date),
// and a stale version is also given as the ETag to send back.

export function problemOf(failure: DomainFailure, location: InputLocation): Problem {
  const { errors, ...details } = failure.details;
  const extensions: Record<string, unknown> = { ...details };
  let detail = failure.message;
  if (errors) {
    const located = errors.map((issue) => ({
      ...issue,
      field: issue.field ? `${location}.${issue.field}` : location,
    }));
    extensions.errors = located;
    // The default detail lists the fields; list them as the request names them
    if (detail === joined(errors)) detail = joined(located);
  }
  if (failure.kind === 'PRECONDITION_FAILED' && typeof details.currentVersion === 'number') {
    extensions.etag = etagOf(details.currentVersion);
  }
  return new Problem(failure.kind, detail, extensions);
}

function joined(errors: FieldIssue[]): string {
  return DomainFailure.invalid(errors).message;
}
