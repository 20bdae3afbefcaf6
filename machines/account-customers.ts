import { DomainFailure } from '../common/failures.js';

// Account customers (seed: "Account customers"): every account is created with its holder, a
// person or a company, its owner; other customers join it as additional customers (joint
// accounts, additional cardholders), never as a second holder. A customer is one per document
// number within an environment, so the same person opening a second account is the same
// customer, and a person's document number never becomes a company's.

export type AccountCustomerRole = 'HOLDER' | 'ADDITIONAL';
export type CustomerKind = 'PERSON' | 'COMPANY';

/** Why a customer may not join an account in `role`, or undefined when it may. */
export function joinRefusal(role: AccountCustomerRole): DomainFailure | undefined {
  if (role === 'ADDITIONAL') return undefined;
  return new DomainFailure(
    'CONFLICT',
    'an account has exactly one holder; add other customers as ADDITIONAL',
    {
      errors: [
        { field: 'role', rule: 'single_holder', message: 'the account already has its holder' },
      ],
    },
  );
}

/** Why a customer of this kind may not take a document number an existing customer holds, if it may not. */
export function documentRefusal(
  existing: CustomerKind,
  wanted: CustomerKind,
  field: string,
): DomainFailure | undefined {
  if (existing === wanted) return undefined;
  return DomainFailure.invalid([
    {
      field: `${field}.documentNumber`,
      rule: 'customer_kind_mismatch',
      message: `belongs to an existing ${existing.toLowerCase()} customer`,
    },
  ]);
}

/**
 * Whose document number finds an account in a list of accounts by customer: its holder and its
 * additional customers (a joint holder, an additional cardholder) alike.
 */
export const rolesFoundByCustomerDocument: readonly AccountCustomerRole[] = [
  'HOLDER',
  'ADDITIONAL',
];
