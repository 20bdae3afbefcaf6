import { describe, expect, it } from 'vitest';
import { accountStatuses } from '../../machines/account-status.js';
import { cashMovement, MAX_BALANCE } from '../../machines/balance-limits.js';

const account = { status: 'NORMAL' as const, currency: 'BRL', balance: 1_000n, creditLimit: 500n };
const cashIn = { type: 'CASH_IN' as const, amount: 100n, currency: 'BRL' };
const cashOut = { type: 'CASH_OUT' as const, amount: 100n, currency: 'BRL' };
const refusalOf = (decided: ReturnType<typeof cashMovement>) =>
  'refusal' in decided ? decided.refusal.kind : undefined;

describe('cash movements', () => {
  it('are allowed by status as the seed says: NORMAL both ways, BLOCKED cash-in only, CANCELLED neither', () => {
    const allowed = accountStatuses.map((status) => [
      status,
      refusalOf(cashMovement({ ...account, status }, cashIn)) === undefined,
      refusalOf(cashMovement({ ...account, status }, cashOut)) === undefined,
    ]);
    expect(allowed).toEqual([
      ['NORMAL', true, true],
      ['BLOCKED', true, false],
      ['CANCELLED', false, false],
    ]);
  });

  it('spend up to the balance plus the credit limit, and no further', () => {
    expect(cashMovement(account, { ...cashOut, amount: 1_500n })).toEqual({ balanceAfter: -500n });
    expect(refusalOf(cashMovement(account, { ...cashOut, amount: 1_501n }))).toBe(
      'INSUFFICIENT_FUNDS',
    );
    // Paying in is never short of funds, even on an account past its limit.
    const overdrawn = { ...account, balance: -900n };
    expect(cashMovement(overdrawn, { ...cashIn, amount: 10n })).toEqual({ balanceAfter: -890n });
  });

  it('refuse another currency and a balance past the most an account holds', () => {
    expect(refusalOf(cashMovement(account, { ...cashIn, currency: 'USD' }))).toBe('VALIDATION');
    expect(
      refusalOf(cashMovement({ ...account, balance: MAX_BALANCE }, { ...cashIn, amount: 1n })),
    ).toBe('VALIDATION');
  });
});
