import { createOrgActivities, type OrgActivityDeps } from './org-activities.js';

export type ActivityDeps = OrgActivityDeps;

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return { ...createOrgActivities(deps) };
}
