-- The account limits report reads a day's snapshot rows of one environment in account id order,
-- 5,000 after the last: with the account id in the index each batch is one range of it, instead
-- of every row of the day sorted again for each batch.
CREATE INDEX "AccountDailyBalance_environmentId_orgId_date_accountId_idx" ON "AccountDailyBalance"("environmentId", "orgId", "date", "accountId");
DROP INDEX "AccountDailyBalance_environmentId_orgId_date_idx";
