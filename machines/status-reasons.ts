import { DomainFailure } from '../common/failures.js';
import type { AccountStatus } from './account-status.js';

// Reasons for an account status change (seed: "Account status reasons"), e.g. a court order or a
// fraud attempt: an org's own, each applying to the target statuses it names (all when it names
// none), required for the targets the org's settings say. The system gives its own reason when
// a temporary block ends by itself.

export interface NewStatusReason {
  code: string;
  description: string;
  /** Target statuses the reason may be given for; empty means any */
  appliesTo: AccountStatus[];
}

/** The reason the system gives when a temporary block reaches its end. */
export const temporaryBlockExpiredReason: NewStatusReason = {
  code: 'TEMPORARY_BLOCK_EXPIRED',
  description: 'The temporary block reached its end time and was lifted automatically',
  appliesTo: ['NORMAL'],
};

/** The reasons every new environment starts with; an org adds its own beside them. */
export const defaultStatusReasons: NewStatusReason[] = [
  { code: 'CUSTOMER_REQUEST', description: 'The customer asked for it', appliesTo: [] },
  {
    code: 'FRAUD_SUSPECTED',
    description: 'Suspected fraud or a fraud attempt',
    appliesTo: ['BLOCKED', 'CANCELLED'],
  },
  { code: 'COURT_ORDER', description: 'A court ordered it', appliesTo: ['BLOCKED', 'CANCELLED'] },
  {
    code: 'ISSUE_RESOLVED',
    description: 'What caused the block or cancellation was resolved',
    appliesTo: ['NORMAL'],
  },
  temporaryBlockExpiredReason,
];

/**
 * Why the reason given for a change to `target` is refused, or undefined when it may be given.
 * `reason` is the environment's reason of the id given (null when it has none: another org's
 * reason is reported exactly like a missing one), undefined when none was given.
 */
export function reasonRefusal(
  target: AccountStatus,
  reason: Pick<NewStatusReason, 'code' | 'appliesTo'> | null | undefined,
  requiredFor: readonly AccountStatus[],
  field = 'reasonId',
): DomainFailure | undefined {
  if (reason === undefined) {
    return requiredFor.includes(target)
      ? DomainFailure.invalid([
          {
            field,
            rule: 'reason_required',
            message: `a reason is required for a change to ${target}`,
          },
        ])
      : undefined;
  }
  if (reason === null)
    return DomainFailure.invalid([
      { field, rule: 'unknown_reason', message: 'is not a status reason of this org' },
    ]);
  if (reason.appliesTo.length > 0 && !reason.appliesTo.includes(target)) {
    return DomainFailure.invalid([
      {
        field,
        rule: 'reason_not_applicable',
        message: `reason ${reason.code} applies to ${reason.appliesTo.join(', ')}, not ${target}`,
      },
    ]);
  }
  return undefined;
}
