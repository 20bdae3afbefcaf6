-- Amounts stay within bounds that keep every figure the API shows (balance plus credit limit
-- included) an exact JSON number, below 2^53; services/balance-limits.ts holds the same bounds.
ALTER TABLE "Account" ADD CONSTRAINT "Account_balance_check" CHECK ("balance" BETWEEN -1000000000000000 AND 1000000000000000);
ALTER TABLE "Account" ADD CONSTRAINT "Account_creditLimit_check" CHECK ("creditLimit" BETWEEN 0 AND 10000000000000);
ALTER TABLE "Program" ADD CONSTRAINT "Program_defaultCreditLimit_check" CHECK ("defaultCreditLimit" BETWEEN 0 AND 10000000000000);
ALTER TABLE "AccountTransaction" ADD CONSTRAINT "AccountTransaction_amount_check" CHECK ("amount" > 0 AND "amount" <= 10000000000000);
ALTER TABLE "AccountTransaction" ADD CONSTRAINT "AccountTransaction_balanceAfter_check" CHECK ("balanceAfter" BETWEEN -1000000000000000 AND 1000000000000000);
