import type { Services } from '../services/index.js';

export interface ProgramMigrationRequest {
  orgId: string;
  environmentId: string;
  accountId: string;
  targetProgramId: string;
  /** From If-Match */
  expectedVersion?: number;
  actor: string;
  requestId?: string;
  /** The request's operation: a retry of the activity or of the request finds its migration made */
  operationId?: string;
}

export function createProgramMigrationActivities(services: Services) {
  return {
    /** Checks and moves in one transaction; a retry after success finds its own migration and changes nothing. */
    migrateAccountProgram(input: ProgramMigrationRequest) {
      const {
        orgId,
        environmentId,
        accountId,
        targetProgramId,
        expectedVersion,
        actor,
        requestId,
        operationId,
      } = input;
      return services.accountTerms.migrateProgram(
        { orgId, environmentId },
        accountId,
        targetProgramId,
        expectedVersion,
        { actor, requestId },
        operationId,
      );
    },
  };
}

export type ProgramMigrationActivities = ReturnType<typeof createProgramMigrationActivities>;
