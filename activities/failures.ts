import { ApplicationFailure } from '@temporalio/activity';
import { nonRetryableFailureTypes } from '../common/failures.js';
import { Problem } from '../server/problem.js';

/** Runs an activity body, turning a business-rule Problem into a typed, non-retryable failure. */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof Problem) {
      throw ApplicationFailure.create({
        type: error.type,
        message: error.detail,
        details: [error.extensions],
        nonRetryable: nonRetryableFailureTypes.includes(error.type),
      });
    }
    throw error;
  }
}
