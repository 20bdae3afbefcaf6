-- CreateEnum
CREATE TYPE "AccountEventKind" AS ENUM ('PROGRAM_MIGRATION', 'DUE_DAY_CHANGE');

-- AlterTable
ALTER TABLE "Program" ADD COLUMN     "dueDayChangeLimit" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "dueDay" INTEGER,
ADD COLUMN     "dueDayCycleClosesOn" DATE,
ADD COLUMN     "dueDayChangesInCycle" INTEGER NOT NULL DEFAULT 0;

-- Credit accounts opened before due days existed get their program's first due day.
UPDATE "Account" a SET "dueDay" = p."dueDays"[1]
FROM "Program" p
WHERE p.id = a."programId" AND p.type = 'CREDIT' AND cardinality(p."dueDays") > 0;

-- CreateTable
CREATE TABLE "AccountDailyBalance" (
    "accountId" UUID NOT NULL,
    "date" DATE NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "programId" UUID NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "balance" BIGINT NOT NULL,
    "creditLimit" BIGINT NOT NULL,
    "availableCreditLimit" BIGINT NOT NULL,
    "availableToSpend" BIGINT NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountDailyBalance_pkey" PRIMARY KEY ("accountId","date")
);

-- CreateTable
CREATE TABLE "AccountEvent" (
    "id" BIGSERIAL NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "kind" "AccountEventKind" NOT NULL,
    "details" JSONB NOT NULL,
    "accountVersion" INTEGER NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "requestId" VARCHAR(100),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccountDailyBalance_environmentId_orgId_date_idx" ON "AccountDailyBalance"("environmentId", "orgId", "date");

-- CreateIndex
CREATE INDEX "AccountEvent_environmentId_orgId_idx" ON "AccountEvent"("environmentId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "AccountEvent_accountId_accountVersion_key" ON "AccountEvent"("accountId", "accountVersion");

-- AddForeignKey
ALTER TABLE "AccountDailyBalance" ADD CONSTRAINT "AccountDailyBalance_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountDailyBalance" ADD CONSTRAINT "AccountDailyBalance_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountEvent" ADD CONSTRAINT "AccountEvent_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountEvent" ADD CONSTRAINT "AccountEvent_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The account event audit is append-only like the status audit; the refusal names the table.
CREATE FUNCTION "refuse_append_only_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AccountEvent_append_only"
    BEFORE UPDATE OR DELETE ON "AccountEvent"
    FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_rewrite"();

CREATE TRIGGER "AccountEvent_no_truncate"
    BEFORE TRUNCATE ON "AccountEvent"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_rewrite"();
