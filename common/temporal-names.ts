import { defineSearchAttributeKey } from '@temporalio/common';

// Names shared by the HTTP server, the worker and the workflows. Kept free of Node and database
// imports because the workflow bundle includes it.

/** Workflow ids come from business keys, so starting the same process twice finds the first. */
export const workflowIds = {
  orgOnboarding: (orgId: string) => `org-onboarding-${orgId}`,
  accountApplication: (applicationId: string) => `account-application-${applicationId}`,
  environmentProvisioning: (orgId: string, environment: string) =>
    `environment-provisioning-${orgId}-${environment.toLowerCase()}`,
  networkCertification: (orgId: string, network: string) =>
    `network-certification-${orgId}-${network.toLowerCase()}`,
  /** One timer per block: the account and the block's end time */
  accountTemporaryBlock: (accountId: string, until: Date) =>
    `account-temporary-block-${accountId}-${until.getTime()}`,
  /** The schedule appends each run's scheduled time */
  dailyAccountSnapshot: (orgId: string) => `daily-account-snapshot-${orgId}`,
  /** One migration per account and target program; a repeat after it finished runs again */
  accountProgramMigration: (accountId: string, targetProgramId: string) =>
    `account-program-migration-${accountId}-${targetProgramId}`,
  /** One delivery process per webhook endpoint, for its whole life */
  webhookEndpointDelivery: (endpointId: string) => `webhook-endpoint-${endpointId}`,
  /** One for the whole product; the schedule appends each run's scheduled time */
  dataRetention: () => 'data-retention',
} as const;

/**
 * The task queue of the webhook endpoints' waits for work (next to the product's `taskQueue`):
 * one long wait per endpoint, so on the product's queue they would take every activity slot of
 * a worker once there are as many endpoints, and every other activity would queue behind them.
 */
export const webhookWaitQueue = (taskQueue: string) => `${taskQueue}-webhook-waits`;

/** Schedule ids, from business keys like workflow ids. */
export const scheduleIds = {
  dailyAccountSnapshot: (orgId: string) => `daily-account-snapshot-${orgId}`,
  dataRetention: () => 'data-retention',
} as const;

/** Custom search attributes, so the Temporal Web UI can filter runs by business key. */
export const searchAttributes = {
  orgId: defineSearchAttributeKey('OrgId', 'KEYWORD'),
  /** Every stage the run is in now (an org's onboarding runs several sub-processes at once) */
  stage: defineSearchAttributeKey('Stage', 'KEYWORD_LIST'),
  accountId: defineSearchAttributeKey('AccountId', 'KEYWORD'),
  /** Set on runs that live in one environment of the org (applications, account runs); absent on org-wide ones */
  environmentId: defineSearchAttributeKey('EnvironmentId', 'KEYWORD'),
  network: defineSearchAttributeKey('Network', 'KEYWORD'),
  escalated: defineSearchAttributeKey('Escalated', 'BOOL'),
} as const;

export const searchAttributeDefinitions = Object.values(searchAttributes).map((key) => ({
  name: key.name,
  type: key.type,
}));
