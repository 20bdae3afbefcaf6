import { accountApplicationMachine } from './account-application.js';
import { accountStatusMachine } from './account-status.js';
import { environmentProvisioningMachine } from './environment-provisioning.js';
import { networkCertificationMachine } from './network-certification.js';
import { orgOnboardingMachine } from './org-onboarding.js';

/** Every machine of the product, by its id; the diagram pages draw each of them. */
export const machines = {
  [accountStatusMachine.id]: accountStatusMachine,
  [accountApplicationMachine.id]: accountApplicationMachine,
  [networkCertificationMachine.id]: networkCertificationMachine,
  [orgOnboardingMachine.id]: orgOnboardingMachine,
  [environmentProvisioningMachine.id]: environmentProvisioningMachine,
} as const;
