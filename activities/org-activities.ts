import type { Services } from '../services/index.js';

export function createOrgActivities(services: Services) {
  return {
    /** Marks the org active; a retry or a replay leaves the same state. */
    activateOrg: ({ orgId }: { orgId: string }) => services.orgs.activate(orgId),
  };
}

export type OrgActivities = ReturnType<typeof createOrgActivities>;
