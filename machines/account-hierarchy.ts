import type { FieldIssue } from '../common/failures.js';
import { can, statusesThat, type AccountStatus } from './account-status.js';

// Related accounts (seed: "Related accounts"): an account may have a parent in the same org, and
// children of its own; every account has at most one parent, and no account is its own ancestor.
// The overview of an account shows it with its active children and grandchildren: two levels,
// "active" being the statuses whose capability says they appear there (NORMAL).

/** How many levels of children the related-accounts overview goes down */
export const RELATED_OVERVIEW_LEVELS = 2;

/** The statuses a child or grandchild must have to show in the overview */
export const relatedOverviewStatuses: readonly AccountStatus[] = statusesThat(
  'appearsInRelatedOverview',
);

/**
 * Why an account may not go under `parent`, if it may not: the parent is not an account of the
 * org, its status may not be a parent, or it is the account itself or one of its descendants.
 */
export function parentRefusal(
  parent: { status: AccountStatus } | undefined,
  parentIsSelfOrDescendant: boolean,
): FieldIssue | undefined {
  const field = 'parentAccountId';
  if (!parent) return { field, rule: 'unknown_account', message: 'is not an account of this org' };
  if (!can(parent.status, 'mayBeParent'))
    return {
      field,
      rule: 'parent_cancelled',
      message: `is a ${parent.status} account, which may not be a parent`,
    };
  if (parentIsSelfOrDescendant)
    return { field, rule: 'cycle', message: 'is the account itself or one of its descendants' };
  return undefined;
}
