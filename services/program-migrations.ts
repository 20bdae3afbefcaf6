import { WorkflowFailedError, WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { failureTypes, type FailureType } from '../common/failures.js';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import { Problem } from '../server/problem.js';
import type { accountProgramMigration } from '../workflows/account-program-migration.js';
import type { ProgramMigrationOutcome } from './account-terms.js';
import type { Actor, Tenant } from './tenant.js';

/** Runs the accountProgramMigration workflow and answers with its outcome or its refusal. */
export function createProgramMigrations(deps: { temporal: Client; taskQueue: string; searchAttributes?: boolean }) {
  return {
    async migrate(tenant: Tenant, accountId: string, targetProgramId: string, expectedVersion: number | undefined, actor: Actor): Promise<ProgramMigrationOutcome> {
      try {
        return await deps.temporal.workflow.execute<typeof accountProgramMigration>('accountProgramMigration', {
          workflowId: workflowIds.accountProgramMigration(accountId, targetProgramId),
          taskQueue: deps.taskQueue,
          args: [{ ...tenant, accountId, targetProgramId, expectedVersion, actor: actor.actor, requestId: actor.requestId }],
          // A retried request joins the run still going instead of starting a second one.
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes:
            deps.searchAttributes === false
              ? []
              : [
                  { key: searchAttributes.orgId, value: tenant.orgId },
                  { key: searchAttributes.accountId, value: accountId },
                ],
        });
      } catch (error) {
        const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
        // The run fails with the activity's failure, which carries the refusal
        const cause = failure instanceof ActivityFailure ? failure.cause : failure;
        if (cause instanceof ApplicationFailure && failureTypes.includes(cause.type as FailureType)) {
          throw new Problem(cause.type as FailureType, cause.message, (cause.details?.[0] ?? {}) as Record<string, unknown>);
        }
        throw error;
      }
    },
  };
}

export type ProgramMigrations = ReturnType<typeof createProgramMigrations>;
