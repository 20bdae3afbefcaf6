import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { searchAttributes } from '../common/temporal-names.js';
import type { Tenant } from './tenant.js';

/**
 * Starts a run whose memo names the operation starting it. If a run with that id exists, it is
 * this operation's own only when its memo names the same operation (a retry after a crash): that
 * run is adopted. Any other run is a conflict, rethrown as WorkflowExecutionAlreadyStartedError.
 */
export async function startOnce(
  temporal: Client,
  workflowId: string,
  operationId: string,
  start: (memo: { operationId: string }) => Promise<{ firstExecutionRunId: string }>,
): Promise<{ workflowId: string; runId: string }> {
  try {
    const handle = await start({ operationId });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    const existing = await temporal.workflow.getHandle(workflowId).describe();
    if ((existing.memo as { operationId?: unknown } | undefined)?.operationId !== operationId)
      throw error;
    return { workflowId, runId: existing.runId };
  }
}

/** The search attributes of a run that lives in one environment: its org and that environment. */
export function tenantSearchAttributes(tenant: Tenant): SearchAttributePair[] {
  return [
    { key: searchAttributes.orgId, value: tenant.orgId },
    { key: searchAttributes.environmentId, value: tenant.environmentId },
  ];
}

/**
 * Whether a run belongs to whoever asks: its memo names the org, and a run inside one
 * environment is seen only with that environment's key (the operator sees every environment).
 */
export function runVisibleTo(
  scope: { orgId: string; environmentId?: string },
  memo: Record<string, unknown> | undefined,
): boolean {
  if (memo?.orgId !== scope.orgId) return false;
  return (
    memo.environmentId === undefined ||
    scope.environmentId === undefined ||
    memo.environmentId === scope.environmentId
  );
}
