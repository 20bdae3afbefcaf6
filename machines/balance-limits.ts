import { DomainFailure } from '../common/failures.js';
import { can, type AccountStatus } from './account-status.js';

// What users of a card platform read off an account's balance and credit limit (minor units),
// and when money may move. A negative balance is money the account owes and uses up credit.

/**
 * The most an account may hold and the largest credit limit, in minor units (10^15 is ten
 * trillion units of a two-decimal currency). Within them every amount the API shows, balance
 * plus credit limit included, stays far below 2^53 and so is an exact JSON number; the database
 * refuses anything outside them too.
 */
export const MAX_BALANCE = 10n ** 15n;
export const MAX_CREDIT_LIMIT = 10n ** 13n;
/** The largest single cash-in or cash-out */
export const MAX_TRANSACTION_AMOUNT = 10n ** 13n;

/** An amount as a JSON number; throws rather than round one past 2^53. */
export function minorUnits(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${amount} minor units cannot be shown exactly as a JSON number`);
  }
  return Number(amount);
}

export interface BalanceLimits {
  balance: bigint;
  creditLimit: bigint;
  availableCreditLimit: bigint;
  availableToSpend: bigint;
}

export function balanceLimits(balance: bigint, creditLimit: bigint): BalanceLimits {
  const used = balance < 0n ? -balance : 0n;
  return {
    balance,
    creditLimit,
    availableCreditLimit: creditLimit > used ? creditLimit - used : 0n,
    availableToSpend: balance + creditLimit,
  };
}

/**
 * The same figures as SQL expressions over a balance and a credit limit expression, for the
 * set-based statements that compute them for every account at once (the daily snapshot).
 */
export function balanceLimitsSql(
  balance: string,
  creditLimit: string,
): { availableCreditLimit: string; availableToSpend: string } {
  return {
    availableCreditLimit: `GREATEST(${creditLimit} - GREATEST(-(${balance}), 0), 0)`,
    availableToSpend: `(${balance}) + ${creditLimit}`,
  };
}

/**
 * A cash-in or cash-out of `amount` (minor units of the program's currency): allowed by the
 * account's status (its cashIn/cashOut capability), in that currency, never past MAX_BALANCE,
 * and never spending more than the balance plus the credit limit. The balance after it, or why
 * it is refused.
 */
export function cashMovement(
  account: { status: AccountStatus; currency: string; balance: bigint; creditLimit: bigint },
  movement: { type: 'CASH_IN' | 'CASH_OUT'; amount: bigint; currency: string },
): { balanceAfter: bigint } | { refusal: DomainFailure } {
  if (movement.currency !== account.currency) {
    return {
      refusal: DomainFailure.invalid([
        {
          field: 'currency',
          rule: 'currency_mismatch',
          message: `must be ${account.currency}, the currency of the account's program`,
        },
      ]),
    };
  }
  if (!can(account.status, movement.type === 'CASH_IN' ? 'cashIn' : 'cashOut')) {
    return {
      refusal: new DomainFailure(
        'OPERATION_NOT_ALLOWED',
        `${movement.type} is not allowed while the account is ${account.status}`,
        { currentStatus: account.status, operation: movement.type },
      ),
    };
  }
  const balanceAfter =
    movement.type === 'CASH_IN'
      ? account.balance + movement.amount
      : account.balance - movement.amount;
  if (balanceAfter > MAX_BALANCE) {
    return {
      refusal: DomainFailure.invalid([
        {
          field: 'amount',
          rule: 'balance_limit',
          message: `would take the balance to ${balanceAfter}, past ${MAX_BALANCE}, the most an account holds (minor units)`,
        },
      ]),
    };
  }
  const { availableToSpend } = balanceLimits(account.balance, account.creditLimit);
  if (movement.amount > availableToSpend && movement.type === 'CASH_OUT') {
    return {
      refusal: new DomainFailure(
        'INSUFFICIENT_FUNDS',
        `${movement.amount} is more than the ${availableToSpend} available (balance plus credit limit)`,
        { balance: minorUnits(account.balance), available: minorUnits(availableToSpend) },
      ),
    };
  }
  return { balanceAfter };
}
