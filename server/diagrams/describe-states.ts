import type { ApplicationStateMeta } from '../../machines/account-application.js';
import type { AccountStatusMeta } from '../../machines/account-status.js';
import type { ProvisioningStateMeta } from '../../machines/environment-provisioning.js';
import type { CertificationStateMeta } from '../../machines/network-certification.js';
import type { OrgOnboardingStateMeta } from '../../machines/org-onboarding.js';

// What each machine's state meta means to an operator, as short lines under the state's name.

export const stateDetails: Record<string, (meta: unknown) => string[]> = {
  accountStatus: (meta) => {
    const m = meta as AccountStatusMeta | undefined;
    if (!m) return [];
    const c = m.capabilities;
    return [
      `cash-in ${c.cashIn ? 'allowed' : 'refused'}`,
      `cash-out ${c.cashOut ? 'allowed' : 'refused'}`,
      c.mayBeParent ? 'may be a parent' : 'may not be a parent',
      c.mayMigrate ? 'may change program' : 'may not change program',
      c.appearsInRelatedOverview ? 'shows in related overviews' : 'left out of related overviews',
      ...(c.mayCarryEndTime ? ['may end by itself at a set time'] : []),
    ];
  },
  accountApplication: (meta) => {
    const m = meta as ApplicationStateMeta | undefined;
    return m ? [m.description] : [];
  },
  networkCertification: (meta) => {
    const m = meta as CertificationStateMeta | undefined;
    if (!m) return [];
    return m.active ? [m.description, 'reminders and deadline apply'] : [m.description];
  },
  orgOnboarding: (meta) => {
    const m = meta as OrgOnboardingStateMeta | undefined;
    if (!m) return [];
    if (m.step === 'automatic') return [`runs ${m.activity}`];
    if (m.step === 'child')
      return [
        m.child === 'environment'
          ? `runs the ${m.environment} environment's provisioning`
          : 'runs one certification per network',
      ];
    if (m.step === 'waiting') return ['waits for another step'];
    if (m.step === 'human') return ['waits for an operator'];
    return ['done'];
  },
  environmentProvisioning: (meta) => {
    const m = meta as ProvisioningStateMeta | undefined;
    if (!m) return [];
    if (m.step === 'automatic') return [`runs the provider's ${m.name} step, retried with backoff`];
    if (m.step === 'human') return ['waits for an operator to retry'];
    return ['done'];
  },
};

export const machineTitles: Record<string, string> = {
  accountStatus: 'Account status',
  accountApplication: 'Account application',
  networkCertification: 'Card-network certification',
  orgOnboarding: 'Org onboarding',
  environmentProvisioning: 'Environment provisioning',
};
