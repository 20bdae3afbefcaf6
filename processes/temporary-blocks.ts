import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { Logger } from '../runtime/logger.js';
import {
  armTemporaryBlockSignal,
  cancelTemporaryBlockSignal,
  type accountTemporaryBlock,
} from '../workflows/account-temporary-block.js';
import type { TemporaryBlocks } from '../services/accounts/status.js';
import { runOwnership, runSummaries } from './workflow-starts.js';

/** The durable timers that lift temporary blocks, as accountTemporaryBlock runs on Temporal. */
export function temporalTemporaryBlocks(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
  logger?: Logger;
}): TemporaryBlocks {
  return {
    async schedule(tenant, accountId, until) {
      // Joins a run of this block that is still open, even one a cancel is ending: its arm signal
      // arrives after the cancel and keeps it waiting. Otherwise a new run starts.
      await deps.temporal.workflow.signalWithStart<typeof accountTemporaryBlock>(
        'accountTemporaryBlock',
        {
          workflowId: workflowIds.accountTemporaryBlock(accountId, until),
          taskQueue: deps.taskQueue,
          signal: armTemporaryBlockSignal,
          args: [
            {
              accountId,
              orgId: tenant.orgId,
              environmentId: tenant.environmentId,
              until: until.toISOString(),
            },
          ],
          ...runOwnership(deps, tenant, [{ key: searchAttributes.accountId, value: accountId }]),
          ...runSummaries.temporaryBlock(accountId, until),
        },
      );
    },

    async cancel(accountId, until) {
      // The timer's activity re-checks the account before unblocking, so a lost cancel is harmless.
      try {
        await deps.temporal.workflow
          .getHandle(workflowIds.accountTemporaryBlock(accountId, until))
          .signal(cancelTemporaryBlockSignal);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return;
        deps.logger?.warn({ err: error, accountId }, 'could not cancel a temporary block timer');
      }
    },
  };
}
