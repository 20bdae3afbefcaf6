import { accountApplicationMachine } from './account-application.js';
import { accountStatusMachine } from './account-status.js';
import { orgOnboardingMachine } from './org-onboarding.js';

/** Every machine of the product, by its id; the diagram pages draw each of them. */
export const machines = {
  [accountStatusMachine.id]: accountStatusMachine,
  [accountApplicationMachine.id]: accountApplicationMachine,
  [orgOnboardingMachine.id]: orgOnboardingMachine,
} as const;
