// Every failure kind the product knows, in one union: a DomainFailure's kind, an
// ApplicationFailure's type in Temporal, a problem type over HTTP.
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
  'REQUEST_HEADERS_TOO_LARGE',
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

/**
 * A field of a command's input and the rule its value broke. The path is relative to the
 * command's input (`owner.person.name`, `reasonId`); the caller that took the input from a
 * request says where in the request it was.
 */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

/** What a caller can act on: the fields and rules, the current version, what is allowed now. */
export interface FailureDetails {
  errors?: FieldIssue[];
  [detail: string]: unknown;
}

/**
 * A failure of the domain: a rule refused the command, or what it names is not there. Services,
 * activities and the Temporal client raise it; the HTTP layer alone turns it into problem+json
 * and a status code, and activities alone into a Temporal ApplicationFailure.
 */
export class DomainFailure extends Error {
  override readonly name = 'DomainFailure';

  constructor(
    readonly kind: FailureType,
    message: string,
    readonly details: FailureDetails = {},
  ) {
    super(message);
  }

  /** Input that breaks a rule: each field with the rule it broke. */
  static invalid(errors: FieldIssue[], message?: string): DomainFailure {
    return new DomainFailure(
      'VALIDATION',
      message ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      {
        errors,
      },
    );
  }

  static notFound(what: string): DomainFailure {
    return new DomainFailure('NOT_FOUND', `${what} was not found`);
  }
}
