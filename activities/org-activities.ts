import type { Services } from '../services/index.js';

export function createOrgActivities(services: Services) {
  return {
    /** Marks the org active; a retry or a replay leaves the same state. */
    activateOrg: ({ orgId }: { orgId: string }) => services.orgs.activate(orgId),
    /** Records the stages the org's onboarding is at on its row; a retry writes the same. */
    recordOnboardingStages: ({ orgId, stages }: { orgId: string; stages: string[] }) =>
      services.orgs.recordOnboardingStages(orgId, stages),
  };
}

export type OrgActivities = ReturnType<typeof createOrgActivities>;
