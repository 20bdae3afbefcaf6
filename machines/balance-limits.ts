// What users of a card platform read off an account's balance and credit limit (minor units).
// A negative balance is money the account owes and uses up credit.

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
