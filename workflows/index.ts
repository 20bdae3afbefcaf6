export { accountApplication } from './account-application.js';
export { accountTemporaryBlock } from './account-temporary-block.js';
export { environmentProvisioning } from './environment-provisioning.js';
export { networkCertification } from './network-certification.js';
export { orgOnboarding } from './org-onboarding.js';
export { dailyAccountSnapshot } from './daily-account-snapshot.js';
export { accountProgramMigration } from './account-program-migration.js';
export { webhookEndpointDelivery } from './webhook-endpoint-delivery.js';
