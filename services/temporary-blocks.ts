import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { searchAttributes, workflowIds } from '../common/temporal-names.js';
import type { Logger } from '../runtime/logger.js';
import {
  cancelTemporaryBlockSignal,
  type accountTemporaryBlock,
} from '../workflows/account-temporary-block.js';
import type { Tenant } from './tenant.js';
import { tenantSearchAttributes } from './workflow-starts.js';

/** The durable timers that lift temporary blocks. */
export interface TemporaryBlocks {
  /** Starts the timer of a block; called while the block is being stored, before it commits. */
  schedule(tenant: Tenant, accountId: string, until: Date): Promise<void>;
  /** Stops the timer of a block the account has left; best effort. */
  cancel(accountId: string, until: Date): Promise<void>;
}

export function temporalTemporaryBlocks(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
  logger?: Logger;
}): TemporaryBlocks {
  return {
    async schedule(tenant, accountId, until) {
      await deps.temporal.workflow.start<typeof accountTemporaryBlock>('accountTemporaryBlock', {
        workflowId: workflowIds.accountTemporaryBlock(accountId, until),
        taskQueue: deps.taskQueue,
        args: [
          {
            accountId,
            orgId: tenant.orgId,
            environmentId: tenant.environmentId,
            until: until.toISOString(),
          },
        ],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        memo: { orgId: tenant.orgId, environmentId: tenant.environmentId },
        typedSearchAttributes:
          deps.searchAttributes === false
            ? []
            : [
                ...tenantSearchAttributes(tenant),
                { key: searchAttributes.accountId, value: accountId },
              ],
      });
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

/** For code that never starts or ends a temporary block itself (the timer's own activity). */
export const noTemporaryBlocks: TemporaryBlocks = {
  schedule: () => Promise.reject(new Error('temporary blocks are not available here')),
  cancel: () => Promise.resolve(),
};
