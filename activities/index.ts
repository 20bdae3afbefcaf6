import { createAccountActivities, type AccountActivityDeps } from './account-activities.js';
import {
  createApplicationActivities,
  type ApplicationActivityDeps,
} from './application-activities.js';
import {
  createEnvironmentActivities,
  type EnvironmentActivityDeps,
} from './environment-activities.js';
import {
  createDailySnapshotActivities,
  type DailySnapshotActivityDeps,
} from './daily-snapshot-activities.js';
import {
  createNotificationActivities,
  type NotificationActivityDeps,
} from './notification-activities.js';
import { classifyFailures } from './failures.js';
import { createOrgActivities, type OrgActivityDeps } from './org-activities.js';
import {
  createProgramMigrationActivities,
  type ProgramMigrationActivityDeps,
} from './program-migration-activities.js';

export type ActivityDeps = OrgActivityDeps &
  EnvironmentActivityDeps &
  AccountActivityDeps &
  ApplicationActivityDeps &
  NotificationActivityDeps &
  DailySnapshotActivityDeps &
  ProgramMigrationActivityDeps;

/** Every activity the worker registers, built from its dependencies, its failures classified. */
export function createActivities(deps: ActivityDeps) {
  return classifyFailures({
    ...createOrgActivities(deps),
    ...createEnvironmentActivities(deps),
    ...createAccountActivities(deps),
    ...createApplicationActivities(deps),
    ...createNotificationActivities(deps),
    ...createDailySnapshotActivities(deps),
    ...createProgramMigrationActivities(deps),
  });
}
