import { statusesThat, type AccountStatus } from './account-status.js';

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
