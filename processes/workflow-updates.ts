import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { DomainFailure } from '../common/failures.js';

export interface MachineUpdateOptions {
  /** Names the Update: the run answers a second one with this id with the first one's outcome */
  updateId: string;
  /** The caller has just seen the run, so a NOT_FOUND means it has ended */
  runExists?: boolean;
}

/**
 * Sends a Temporal Update whose validator is a machine's can(), in one call. What went wrong is
 * read from the Update's own error: the machine's refusal, with its details; a run that has
 * ended, which accepts nothing more; a run that does not exist (NOT_FOUND). The Update's id
 * comes from the request's operation, so a retry after a crash that lost the answer gets the
 * answer of the Update that landed, not a refusal of the same event twice.
 */
export async function executeMachineUpdate<Ret, Arg>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  what: string,
  options: MachineUpdateOptions,
): Promise<Ret> {
  try {
    return await handle.executeUpdate(update, { args: [arg], updateId: options.updateId });
  } catch (error) {
    throw machineUpdateFailure(error, what, options.runExists);
  }
}

/** A run that has closed: it takes no more events. */
export class RunEnded extends DomainFailure {
  constructor(what: string) {
    super('TRANSITION_NOT_ALLOWED', `${what} has ended; it accepts no events`, {
      allowedEvents: [],
    });
  }
}

/** The domain failure an Update's error stands for; anything unexpected is returned as it is. */
export function machineUpdateFailure(error: unknown, what: string, runExists = false): unknown {
  if (error instanceof WorkflowNotFoundError) {
    // The server answers an Update to a closed run with NOT_FOUND "workflow execution already
    // completed" (for every way a run can close), and to an unknown id with plain NOT_FOUND.
    // (The time-skipping test server says neither: "update <id> not found".)
    return runExists || /already completed/i.test(error.message)
      ? new RunEnded(what)
      : DomainFailure.notFound(what);
  }
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === 'NOT_FOUND')
    return DomainFailure.notFound(what);
  if (cause instanceof ApplicationFailure && cause.type === 'TRANSITION_NOT_ALLOWED') {
    return new DomainFailure(
      'TRANSITION_NOT_ALLOWED',
      cause.message,
      (cause.details?.[0] ?? {}) as Record<string, unknown>,
    );
  }
  return error;
}
