import type { Response } from 'express';
import type { FailureType } from '../common/failures.js';

// RFC 9457 problem details. Every error the API answers is one of these.

export interface FieldError {
  /** Dotted path of the offending field in the request (body, query or params) */
  field: string;
  /** The rule the value broke, e.g. required, too_long, unknown_field, invalid_time_zone */
  rule: string;
  message: string;
}

const statusOf: Record<FailureType, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TRANSITION_NOT_ALLOWED: 409,
  OPERATION_NOT_ALLOWED: 409,
  INSUFFICIENT_FUNDS: 422,
  IDEMPOTENCY_KEY_IN_PROGRESS: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
};

const titleOf: Record<FailureType, string> = {
  VALIDATION: 'The request is not valid',
  UNAUTHENTICATED: 'Missing or invalid API key',
  FORBIDDEN: 'This API key may not do that',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict with the current state',
  TRANSITION_NOT_ALLOWED: 'Transition not allowed',
  OPERATION_NOT_ALLOWED: 'Operation not allowed in the current status',
  INSUFFICIENT_FUNDS: 'Insufficient funds',
  IDEMPOTENCY_KEY_IN_PROGRESS: 'A request with this Idempotency-Key is still in progress',
  PRECONDITION_FAILED: 'Precondition failed',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  REQUEST_HEADERS_TOO_LARGE: 'Request header fields too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused with a different request',
  DEPENDENCY_UNAVAILABLE: 'A service this request needs is unavailable',
  INTERNAL: 'Internal error',
};

export function problemTypeUri(type: FailureType): string {
  return `/problems/${type.toLowerCase().replaceAll('_', '-')}`;
}

export function problemTitle(type: FailureType): string {
  return titleOf[type];
}

export class Problem extends Error {
  readonly status: number;

  constructor(
    readonly type: FailureType,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.status = statusOf[type];
  }

  static validation(errors: FieldError[], detail?: string): Problem {
    return new Problem(
      'VALIDATION',
      detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }

  static notFound(what: string): Problem {
    return new Problem('NOT_FOUND', `${what} was not found`);
  }
}

/** When a client may try again after a 503: a dependency that is momentarily unavailable. */
export const RETRY_AFTER_SECONDS = 2;

/** The body of a problem+json answer. */
export function problemBody(problem: Problem, instance: string, requestId: unknown): string {
  // Extensions first: they may add members but never replace the standard ones
  return JSON.stringify({
    ...problem.extensions,
    type: problemTypeUri(problem.type),
    title: titleOf[problem.type],
    status: problem.status,
    detail: problem.detail,
    instance,
    requestId,
  });
}

export function sendProblem(res: Response, problem: Problem, instance: string): void {
  if (res.headersSent) return;
  if (problem.type === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  if (problem.type === 'DEPENDENCY_UNAVAILABLE')
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(problemBody(problem, instance, res.getHeader('X-Request-Id')));
}
