import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { AccountActivities } from '../activities/account-activities.js';

// The durable timer of one temporary block (one account, one end time). The status rules stay
// with the account status machine: at expiry the activity asks it to unblock, and only if the
// account is still in this block, so a status change that raced the timer wins.

export interface AccountTemporaryBlockInput {
  accountId: string;
  orgId: string;
  environmentId: string;
  /** ISO-8601 end of the block */
  until: string;
}

/** The account left this block some other way (unblocked, cancelled, re-blocked until another time). */
export const cancelTemporaryBlockSignal = defineSignal('cancelTemporaryBlock');

/**
 * The account is in this block: sent with every start, so an account that comes back to the block
 * (a rollback restores it) keeps the run that a cancel sent when it left has not ended yet.
 */
export const armTemporaryBlockSignal = defineSignal('armTemporaryBlock');

export type TemporaryBlockOutcome = 'unblocked' | 'skipped' | 'cancelled';

const activities = proxyActivities<AccountActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function accountTemporaryBlock(
  input: AccountTemporaryBlockInput,
): Promise<TemporaryBlockOutcome> {
  let cancelled = false;
  setHandler(cancelTemporaryBlockSignal, () => {
    cancelled = true;
  });
  setHandler(armTemporaryBlockSignal, () => {
    cancelled = false;
  });
  // A cancel wakes the wait; an arm in the same activation can clear it again before the wait's
  // continuation runs, and then the block is still on: wait for the rest of it.
  for (;;) {
    const remainingMs = Date.parse(input.until) - Date.now();
    if (remainingMs <= 0 || !(await condition(() => cancelled, remainingMs))) break;
    if (cancelled) return 'cancelled';
  }
  if (cancelled) return 'cancelled';
  return activities.expireTemporaryBlock({
    accountId: input.accountId,
    orgId: input.orgId,
    environmentId: input.environmentId,
    until: input.until,
  });
}
