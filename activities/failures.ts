import { ApplicationFailure, Context } from '@temporalio/activity';
import { DomainFailure, nonRetryableFailureTypes } from '../common/failures.js';
import {
  isDeterministicDatabaseError,
  isTransientDatabaseError,
  sqlStateOf,
} from '../services/prisma-errors.js';

// Every activity's failure is classified once, here, so no workflow retries forever on input that
// can never succeed:
// - a business-rule refusal (DomainFailure) becomes a typed failure, non-retryable for rule breaks;
// - data the database refuses (NUL in text, a broken constraint) fails at once, non-retryable;
// - a database that is down or busy is retried under the activity's own policy;
// - anything else is retried at most UNKNOWN_FAILURE_ATTEMPTS times, then fails for good.

export const UNKNOWN_FAILURE_ATTEMPTS = 5;

/** The failure Temporal should see for an error an activity threw on its `attempt`-th try. */
function activityFailure(error: unknown, attempt: number): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof DomainFailure) {
    return ApplicationFailure.create({
      type: error.kind,
      message: error.message,
      details: [error.details],
      nonRetryable: nonRetryableFailureTypes.includes(error.kind),
    });
  }
  if (isTransientDatabaseError(error)) return error;
  const message = error instanceof Error ? shortMessage(error.message) : String(error);
  if (isDeterministicDatabaseError(error)) {
    return ApplicationFailure.create({
      type: 'VALIDATION',
      message: `the database refused the data: ${message}`,
      details: [{ sqlState: sqlStateOf(error) ?? null }],
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
  if (attempt >= UNKNOWN_FAILURE_ATTEMPTS) {
    return ApplicationFailure.create({
      type: 'INTERNAL',
      message: `failed ${attempt} times, giving up: ${message}`,
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
  return error;
}

/** Prisma prefixes its messages with the call site; the last line is what the database said. */
function shortMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? message).slice(0, 500);
}

function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside a worker (a test calling the factory's function directly)
  }
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** The same activities, each throwing only classified failures. */
export function classifyFailures<Activities extends Record<string, AnyActivity>>(
  activities: Activities,
): Activities {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        try {
          return await activity(...args);
        } catch (error) {
          throw activityFailure(error, currentAttempt());
        }
      },
    ]),
  ) as Activities;
}
