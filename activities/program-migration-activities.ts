import type { PrismaClient } from '../runtime/prisma.js';
import { createAccountTermsService } from '../services/account-terms.js';

export interface ProgramMigrationActivityDeps {
  prisma: PrismaClient;
}

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

export function createProgramMigrationActivities({ prisma }: ProgramMigrationActivityDeps) {
  const terms = createAccountTermsService({ prisma });
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
      return terms.migrateProgram(
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
