import { storableText } from '../common/text.js';
import type { ProvisioningStepName } from '../machines/environment-provisioning.js';
import type { PrismaClient } from '../runtime/prisma.js';
import {
  createBuiltInEnvironmentProvider,
  type EnvironmentProvider,
  type EnvironmentRequest,
} from './environment-provider.js';

export interface EnvironmentActivityDeps {
  prisma: PrismaClient;
  /** Builds the environments; the built-in provider unless another is given */
  environmentProvider?: EnvironmentProvider;
}

export function createEnvironmentActivities({
  prisma,
  environmentProvider,
}: EnvironmentActivityDeps) {
  const provider = environmentProvider ?? createBuiltInEnvironmentProvider({ prisma });
  return {
    provisionEnvironment: (request: EnvironmentRequest) => provider.provision(request),
    verifyEnvironment: (request: EnvironmentRequest) => provider.verify(request),

    /** Shows a step that ran out of retries on the environment itself. */
    async recordEnvironmentFailure(
      failure: EnvironmentRequest & { step: ProvisioningStepName; error: string },
    ): Promise<void> {
      await prisma.environment.updateMany({
        where: { orgId: failure.orgId, kind: failure.environment, status: { not: 'READY' } },
        data: {
          status: 'FAILED',
          provisioningError: storableText(`${failure.step}: ${failure.error}`).slice(0, 1000),
        },
      });
    },
  };
}

export type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;
