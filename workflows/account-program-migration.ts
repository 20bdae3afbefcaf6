import { proxyActivities } from '@temporalio/workflow';
import type {
  ProgramMigrationActivities,
  ProgramMigrationRequest,
} from '../activities/program-migration-activities.js';
import type { ProgramMigrationOutcome } from '../services/accounts/terms.js';

// Moves one account to another program. The rules (same type, currency and network; the due day
// offered by the target) are checked in the same transaction that moves the account, so a
// refusal is a non-retryable failure of this run and the HTTP layer answers with its problem.

const activities = proxyActivities<ProgramMigrationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
});

export async function accountProgramMigration(
  input: ProgramMigrationRequest,
): Promise<ProgramMigrationOutcome> {
  return activities.migrateAccountProgram(input);
}
