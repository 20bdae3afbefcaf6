import { ApplicationFailure } from '@temporalio/workflow';
import type { FailureType } from '../common/failures.js';

/** What an Update validator throws when the machine does not allow the event now (HTTP 409). */
export function transitionNotAllowed(message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'TRANSITION_NOT_ALLOWED' satisfies FailureType,
    message,
    details: [details],
    nonRetryable: true,
  });
}
