import type { Client } from '@temporalio/client';
import type { OnboardingSettings } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';
import type { Services } from '../services/index.js';
import { createApplicationProcesses } from './applications.js';
import { createOnboardingProcesses } from './onboarding.js';
import { createOrgWorkflows } from './org-workflows.js';
import { createOrgProcesses } from './orgs.js';
import { createProgramMigrations } from './program-migrations.js';
import { noRetentionSchedule, temporalRetentionSchedule } from './retention-schedule.js';
import { noSnapshotSchedules, temporalSnapshotSchedules } from './snapshot-schedules.js';
import { temporalTemporaryBlocks } from './temporary-blocks.js';
import { createWebhookDeliveryProcesses } from './webhook-deliveries.js';
import { workflowLinks } from './workflow-links.js';

// The product's calls to Temporal (starting, updating, querying its long processes), built once
// over the Temporal client and the services.

export interface ProcessDeps {
  temporal: Client;
  taskQueue: string;
  namespace: string;
  /** Web UI base URL, for links to runs */
  temporalUiUrl?: string;
  /** False where the Temporal server lacks the project's search attributes */
  searchAttributes?: boolean;
  /** False where the Temporal server has no Schedules (the time-skipping test server) */
  snapshotSchedules?: boolean;
  onboarding: OnboardingSettings;
  applicationDraftExpiresAfterMs: number;
  /** Derives the keys of what the product seals (page tokens it gives out) */
  serverSecret: string;
  logger: Logger;
}

/** The timers of temporary blocks, which the services need before the other processes exist. */
export function createTemporaryBlocks(deps: ProcessDeps) {
  return temporalTemporaryBlocks(deps);
}

export function createProcesses(deps: ProcessDeps, services: Services) {
  const workflowLink = workflowLinks(deps);
  const orgs = createOrgProcesses({
    ...deps,
    orgs: services.orgs,
    workflowLink,
    snapshotSchedules:
      deps.snapshotSchedules === false ? noSnapshotSchedules : temporalSnapshotSchedules(deps),
  });
  return {
    workflowLink,
    orgs,
    onboarding: createOnboardingProcesses({ ...deps, workflowLink }),
    orgWorkflows: createOrgWorkflows({
      ...deps,
      orgs: services.orgs,
      orgProcesses: orgs,
      workflowLink,
    }),
    applications: createApplicationProcesses({
      ...deps,
      draftExpiresAfterMs: deps.applicationDraftExpiresAfterMs,
    }),
    programMigrations: createProgramMigrations(deps),
    webhookDeliveries: createWebhookDeliveryProcesses(deps),
    retentionSchedule:
      deps.snapshotSchedules === false ? noRetentionSchedule : temporalRetentionSchedule(deps),
  };
}

export type Processes = ReturnType<typeof createProcesses>;
