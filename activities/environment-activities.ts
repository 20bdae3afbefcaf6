import { Context } from '@temporalio/activity';
import type { ProvisioningStepName } from '../machines/environment-provisioning.js';
import type { Services } from '../services/index.js';
import type { EnvironmentProvider, EnvironmentRequest } from './environment-provider.js';

export function createEnvironmentActivities(services: Services, provider: EnvironmentProvider) {
  return {
    provisionEnvironment: (request: EnvironmentRequest) => provider.provision(request),
    verifyEnvironment: (request: EnvironmentRequest) => provider.verify(request),
    /**
     * Shows a step that ran out of retries on the environment itself, and records its event,
     * keyed by this activity's own id in its run: a retry writes it once.
     */
    recordEnvironmentFailure: (
      failure: EnvironmentRequest & { step: ProvisioningStepName; error: string },
    ) => {
      const { workflowExecution, activityId } = Context.current().info;
      return services.environments.recordFailure(
        failure,
        workflowExecution
          ? `${workflowExecution.workflowId}:${workflowExecution.runId}:${activityId}`
          : undefined,
      );
    },
  };
}

export type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;
