import { createAccountActivities, type AccountActivityDeps } from './account-activities.js';
import { createApplicationActivities, type ApplicationActivityDeps } from './application-activities.js';
import { createEnvironmentActivities, type EnvironmentActivityDeps } from './environment-activities.js';
import { createNotificationActivities, type NotificationActivityDeps } from './notification-activities.js';
import { createOrgActivities, type OrgActivityDeps } from './org-activities.js';

export type ActivityDeps = OrgActivityDeps &
  EnvironmentActivityDeps & AccountActivityDeps & ApplicationActivityDeps & NotificationActivityDeps;

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrgActivities(deps),
    ...createEnvironmentActivities(deps),
    ...createAccountActivities(deps),
    ...createApplicationActivities(deps),
    ...createNotificationActivities(deps),
  };
}
