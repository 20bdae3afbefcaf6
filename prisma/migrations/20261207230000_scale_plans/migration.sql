-- Found by `npm run scale` (README "Scale"): plans that read every row of an org where a page
-- needs 50.

-- The event feed filters on the org and on its environment (or none). Counted as independent
-- columns, the two look 100 times more selective than they are, and the planner reads every event
-- of the org through a bitmap and sorts them (216 ms at 10,000 events per org) instead of walking
-- the (orgId, transactionId, sequence) index and stopping after a page (1.3 ms). An environment
-- belongs to one org; these statistics tell the planner so.
CREATE STATISTICS "Event_orgId_environmentId_stats" (mcv, dependencies) ON "orgId", "environmentId" FROM "Event";
ANALYZE "Event";

-- The account list filtered by program is ordered by (createdAt, id): with an index in that
-- order the page is read in order and the scan stops, instead of reading and sorting every
-- account of the program. It serves the foreign key's lookups as the index on programId did.
-- A program belongs to one environment: without these statistics the planner again took the two
-- as independent, expected 9 of an environment's 1,000 accounts and read and sorted them all
-- (8 ms at 1,000 accounts per environment, 0.4 ms with them).
CREATE STATISTICS "Account_environmentId_programId_stats" (mcv, dependencies) ON "environmentId", "programId" FROM "Account";
ANALYZE "Account";
DROP INDEX "Account_programId_idx";
CREATE INDEX "Account_programId_createdAt_id_idx" ON "Account"("programId", "createdAt", "id");
