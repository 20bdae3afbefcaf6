import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIds } from '../common/temporal-names.js';
import type { Tenant } from '../services/tenant.js';
import type { webhookEndpointDelivery } from '../workflows/webhook-endpoint-delivery.js';
import { runOwnership, runSummaries } from './workflow-starts.js';

/** The delivery process of each webhook endpoint (workflows/webhook-endpoint-delivery.ts). */
export function createWebhookDeliveryProcesses(deps: {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
}) {
  /**
   * Makes sure the endpoint's process runs: started when the endpoint is made, and again
   * whenever it is enabled, so an endpoint whose start was lost to a crash gets one then.
   */
  async function ensureRunning(tenant: Tenant, endpointId: string): Promise<void> {
    await deps.temporal.workflow.start<typeof webhookEndpointDelivery>('webhookEndpointDelivery', {
      workflowId: workflowIds.webhookEndpointDelivery(endpointId),
      taskQueue: deps.taskQueue,
      args: [{ endpointId }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      ...runOwnership(deps, tenant),
      ...runSummaries.webhookDelivery(endpointId, tenant.environmentId),
    });
  }

  return {
    ensureRunning,

    /**
     * Starts the process of every endpoint in `live` that has none running: one whose start was
     * lost when the whole product died after the endpoint committed, or whose run an operator
     * terminated. Answers how many were started.
     */
    async ensureAllRunning(
      live: { id: string; orgId: string; environmentId: string }[],
    ): Promise<number> {
      let started = 0;
      for (const { id, orgId, environmentId } of live) {
        if (await isRunning(id)) continue;
        await ensureRunning({ orgId, environmentId }, id);
        started++;
      }
      return started;
    },
  };

  async function isRunning(endpointId: string): Promise<boolean> {
    try {
      const run = await deps.temporal.workflow
        .getHandle(workflowIds.webhookEndpointDelivery(endpointId))
        .describe();
      return run.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}
