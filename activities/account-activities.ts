import type { Services } from '../services/index.js';

export function createAccountActivities(services: Services) {
  return {
    /** Lifts the block if the account is still in it; a retry after its own success answers as it did. */
    expireTemporaryBlock(input: {
      accountId: string;
      orgId: string;
      environmentId: string;
      until: string;
    }) {
      return services.accountStatus.expireTemporaryBlock(
        { orgId: input.orgId, environmentId: input.environmentId },
        input.accountId,
        new Date(input.until),
      );
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
