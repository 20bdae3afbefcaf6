-- The event log integrators read (GET /v1/events) and webhooks will deliver: one row per business
-- fact (an account's status changed, an application was approved, an org went live), written in
-- the same transaction as the change it reports. Its id is derived from the change (the account
-- and the version it produced, the application, the workflow's own operation), so a retried change
-- finds its event written instead of writing a second one. "sequence" orders the log and is the
-- feed's cursor. Org-level events (onboarding) have no environment.

-- CreateTable
CREATE TABLE "Event" (
    "id" UUID NOT NULL,
    "sequence" BIGINT GENERATED ALWAYS AS IDENTITY,
    "type" VARCHAR(100) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "orgId" UUID NOT NULL,
    "environmentId" UUID,
    "subjectType" VARCHAR(50) NOT NULL,
    "subjectId" VARCHAR(200) NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB NOT NULL,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Event_sequence_key" ON "Event"("sequence");

-- CreateIndex
CREATE INDEX "Event_orgId_environmentId_sequence_idx" ON "Event"("orgId", "environmentId", "sequence");

-- CreateIndex
CREATE INDEX "Event_orgId_subjectId_sequence_idx" ON "Event"("orgId", "subjectId", "sequence");

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The log is append-only like the audits, whoever connects.
CREATE TRIGGER "Event_append_only"
    BEFORE UPDATE OR DELETE ON "Event"
    FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_rewrite"();

CREATE TRIGGER "Event_no_truncate"
    BEFORE TRUNCATE ON "Event"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_rewrite"();

-- The product's role reads and adds to it, nothing more (an identity column needs no grant on its
-- sequence for INSERT).
GRANT SELECT, INSERT ON "Event" TO card_issuing_app;
