import { WorkflowFailedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { failureTypes, type FailureType } from '../common/failures.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import { DomainFailure } from '../common/failures.js';
import type { accountProgramMigration } from '../workflows/account-program-migration.js';
import type { ProgramMigrationOutcome } from '../services/accounts/terms.js';
import type { IdSource } from '../services/ids.js';
import { runOwnership, runSummaries } from './workflow-starts.js';
import type { Actor, Tenant } from '../services/tenant.js';

/** Runs the accountProgramMigration workflow and answers with its outcome or its refusal. */
export function createProgramMigrations(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
}) {
  return {
    /**
     * A retried request joins the run still going; once that run has ended, a new run finds the
     * migration the operation already made (its id from `ids`) and answers with it.
     */
    async migrate(
      tenant: Tenant,
      accountId: string,
      targetProgramId: string,
      expectedVersion: number | undefined,
      actor: Actor,
      ids: IdSource,
    ): Promise<ProgramMigrationOutcome> {
      try {
        return await deps.temporal.workflow.execute<typeof accountProgramMigration>(
          'accountProgramMigration',
          {
            workflowId: workflowIds.accountProgramMigration(accountId, targetProgramId),
            taskQueue: deps.taskQueue,
            args: [
              {
                ...tenant,
                accountId,
                targetProgramId,
                expectedVersion,
                actor: actor.actor,
                requestId: actor.requestId,
                operationId: ids.operationId,
              },
            ],
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            ...runOwnership(deps, tenant, [{ key: searchAttributes.accountId, value: accountId }]),
            ...runSummaries.programMigration(accountId, targetProgramId),
          },
        );
      } catch (error) {
        const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
        // The run fails with the activity's failure, which carries the refusal
        const cause = failure instanceof ActivityFailure ? failure.cause : failure;
        if (
          cause instanceof ApplicationFailure &&
          failureTypes.includes(cause.type as FailureType)
        ) {
          throw new DomainFailure(
            cause.type as FailureType,
            cause.message,
            (cause.details?.[0] ?? {}) as Record<string, unknown>,
          );
        }
        throw error;
      }
    },
  };
}

export type ProgramMigrations = ReturnType<typeof createProgramMigrations>;
