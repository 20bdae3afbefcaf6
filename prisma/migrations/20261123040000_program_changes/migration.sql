-- Programs change (name, due days, limits) under optimistic concurrency, and may cap the credit
-- limit of their accounts; every change is audited in "ProgramChange".
ALTER TABLE "Program" ADD COLUMN "maxCreditLimit" BIGINT,
ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;

-- Same bound as every credit limit (services/balance-limits.ts), and never below the default.
ALTER TABLE "Program" ADD CONSTRAINT "Program_maxCreditLimit_check" CHECK ("maxCreditLimit" BETWEEN 0 AND 10000000000000 AND "maxCreditLimit" >= "defaultCreditLimit");

-- CreateTable
CREATE TABLE "ProgramChange" (
    "id" BIGSERIAL NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "programId" UUID NOT NULL,
    "programVersion" INTEGER NOT NULL,
    "before" JSONB NOT NULL,
    "after" JSONB NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "requestId" VARCHAR(100),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProgramChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ProgramChange_environmentId_orgId_idx" ON "ProgramChange"("environmentId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "ProgramChange_programId_programVersion_key" ON "ProgramChange"("programId", "programVersion");

-- AddForeignKey
ALTER TABLE "ProgramChange" ADD CONSTRAINT "ProgramChange_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProgramChange" ADD CONSTRAINT "ProgramChange_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The program audit is append-only like the account audits, whoever connects.
CREATE TRIGGER "ProgramChange_append_only"
    BEFORE UPDATE OR DELETE ON "ProgramChange"
    FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_rewrite"();

CREATE TRIGGER "ProgramChange_no_truncate"
    BEFORE TRUNCATE ON "ProgramChange"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_rewrite"();

-- The product's role reads and adds to it, nothing more ("Program" keeps its SELECT, INSERT,
-- UPDATE, which cover the new columns).
GRANT SELECT, INSERT ON "ProgramChange" TO card_issuing_app;
GRANT USAGE ON SEQUENCE "ProgramChange_id_seq" TO card_issuing_app;
