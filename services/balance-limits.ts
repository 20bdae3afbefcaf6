// What users of a card platform read off an account's balance and credit limit (minor units).
// A negative balance is money the account owes and uses up credit.

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
