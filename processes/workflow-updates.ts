import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { DomainFailure } from '../common/failures.js';

/**
 * Sends a Temporal Update whose validator is a machine's "is this allowed now". A refusal (or a
 * run that has ended) becomes a 409 problem carrying the validator's details; a missing run, 404.
 */
export async function executeMachineUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  what: string,
): Promise<Ret> {
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      throw new DomainFailure('TRANSITION_NOT_ALLOWED', `${what} has ended (${status.name})`, {
        allowedEvents: [],
      });
    }
    return await handle.executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw DomainFailure.notFound(what);
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'TRANSITION_NOT_ALLOWED') {
      throw new DomainFailure(
        'TRANSITION_NOT_ALLOWED',
        cause.message,
        (cause.details?.[0] ?? {}) as Record<string, unknown>,
      );
    }
    throw error;
  }
}
