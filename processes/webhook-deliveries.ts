import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
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
  return {
    /**
     * Makes sure the endpoint's process runs: started when the endpoint is made, and again
     * whenever it is enabled, so an endpoint whose start was lost to a crash gets one then.
     */
    async ensureRunning(tenant: Tenant, endpointId: string): Promise<void> {
      await deps.temporal.workflow.start<typeof webhookEndpointDelivery>(
        'webhookEndpointDelivery',
        {
          workflowId: workflowIds.webhookEndpointDelivery(endpointId),
          taskQueue: deps.taskQueue,
          args: [{ endpointId }],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          ...runOwnership(deps, tenant),
          ...runSummaries.webhookDelivery(endpointId, tenant.environmentId),
        },
      );
    },
  };
}
