import type { Services } from '../services/index.js';
import { createAccountActivities } from './account-activities.js';
import { createApplicationActivities } from './application-activities.js';
import { createCertificationActivities } from './certification-activities.js';
import { createDailySnapshotActivities } from './daily-snapshot-activities.js';
import { createEnvironmentActivities } from './environment-activities.js';
import type { EnvironmentProvider } from './environment-provider.js';
import { classifyFailures } from './failures.js';
import { createNotificationActivities } from './notification-activities.js';
import { createOrgActivities } from './org-activities.js';
import { createProgramMigrationActivities } from './program-migration-activities.js';
import { createRetentionActivities } from './retention-activities.js';
import { createWebhookActivities } from './webhook-activities.js';
import type { WebhookTransport } from './webhook-transport.js';

/**
 * Every activity the worker registers, over the services built once for the whole product, with
 * their failures classified.
 */
export function createActivities(
  services: Services,
  environmentProvider: EnvironmentProvider,
  webhooks: { transport: WebhookTransport; pollMs: number },
) {
  return classifyFailures({
    ...createOrgActivities(services),
    ...createEnvironmentActivities(services, environmentProvider),
    ...createAccountActivities(services),
    ...createApplicationActivities(services),
    ...createNotificationActivities(services),
    ...createCertificationActivities(services),
    ...createDailySnapshotActivities(services),
    ...createProgramMigrationActivities(services),
    ...createRetentionActivities(services),
    ...createWebhookActivities(services, webhooks.transport, webhooks),
  });
}
