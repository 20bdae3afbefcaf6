import type { Services } from '../services/index.js';
import type { OnboardingStepToRecord } from '../services/orgs.js';

export function createOrgActivities(services: Services) {
  return {
    /** Marks the org active; a retry or a replay leaves the same state. */
    activateOrg: ({ orgId }: { orgId: string }) => services.orgs.activate(orgId),
    /**
     * Records the stages the org's onboarding is at on its row, and the steps it took since the
     * last call as events (each keyed by its position in the run's history); a retry writes the same.
     */
    recordOnboardingStages: ({
      orgId,
      stages,
      steps,
    }: {
      orgId: string;
      stages: string[];
      steps?: OnboardingStepToRecord[];
    }) => services.orgs.recordOnboardingStages(orgId, stages, steps),
  };
}

export type OrgActivities = ReturnType<typeof createOrgActivities>;
