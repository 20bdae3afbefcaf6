// Every failure kind the product knows, in one union. Activities throw ApplicationFailure with one
// of these as its `type`; the HTTP layer maps each to a status code (server/problem.ts).
export const failureTypes = [
  'VALIDATION',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'TRANSITION_NOT_ALLOWED',
  'OPERATION_NOT_ALLOWED',
  'INSUFFICIENT_FUNDS',
  'PRECONDITION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_PROGRESS',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'DEPENDENCY_UNAVAILABLE',
  'INTERNAL',
] as const;

export type FailureType = (typeof failureTypes)[number];

/** Business-rule failures: retrying cannot change the outcome. */
export const nonRetryableFailureTypes: FailureType[] = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'TRANSITION_NOT_ALLOWED',
  'OPERATION_NOT_ALLOWED',
  'INSUFFICIENT_FUNDS',
  'PRECONDITION_FAILED',
];
