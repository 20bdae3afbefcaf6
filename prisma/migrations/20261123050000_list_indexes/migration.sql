-- Lists: every list reads in (createdAt, id) order after the previous page's last (createdAt, id)
-- (keyset pagination), within one environment for org data, so each gets an index on its tenant
-- column followed by the sort key: a page is one index range scan however deep it is.

-- The stages an org's onboarding is at, as its run records them after every step (its overall
-- stage and, while onboarding, each sub-process's, e.g. "certification.certifying"), so orgs can be
-- listed by stage from the database. Orgs already active are live; the others get theirs with
-- their run's next step.
ALTER TABLE "Org" ADD COLUMN "onboardingStages" TEXT[] DEFAULT ARRAY[]::TEXT[];
UPDATE "Org" SET "onboardingStages" = ARRAY['live'] WHERE "status" = 'ACTIVE';

-- CreateIndex
CREATE INDEX "Org_createdAt_id_idx" ON "Org"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Org_status_createdAt_id_idx" ON "Org"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Program_environmentId_createdAt_id_idx" ON "Program"("environmentId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Customer_environmentId_createdAt_id_idx" ON "Customer"("environmentId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Account_environmentId_createdAt_id_idx" ON "Account"("environmentId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Account_environmentId_status_createdAt_id_idx" ON "Account"("environmentId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "AccountStatusReason_environmentId_createdAt_id_idx" ON "AccountStatusReason"("environmentId", "createdAt", "id");

-- The product's role: the grants on "Org" are table-wide (SELECT, INSERT, UPDATE, DELETE), so they
-- cover the new column.
