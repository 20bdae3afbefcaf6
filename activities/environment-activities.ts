import type { ProvisioningStepName } from '../machines/environment-provisioning.js';
import type { Services } from '../services/index.js';
import type { EnvironmentProvider, EnvironmentRequest } from './environment-provider.js';

export function createEnvironmentActivities(services: Services, provider: EnvironmentProvider) {
  return {
    provisionEnvironment: (request: EnvironmentRequest) => provider.provision(request),
    verifyEnvironment: (request: EnvironmentRequest) => provider.verify(request),
    /** Shows a step that ran out of retries on the environment itself. */
    recordEnvironmentFailure: (
      failure: EnvironmentRequest & { step: ProvisioningStepName; error: string },
    ) => services.environments.recordFailure(failure),
  };
}

export type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;
