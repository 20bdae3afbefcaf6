-- The event log is read in commit order: each event records its transaction's id, and readers
-- stop below the oldest transaction still running, so an event that commits late (behind one
-- with a higher sequence) is never skipped by a reader's cursor. Rows written before this column
-- existed get the id of the migration's transaction, which is below every later one.
ALTER TABLE "Event" ADD COLUMN "transactionId" BIGINT NOT NULL DEFAULT ((pg_current_xact_id())::text::bigint);
DROP INDEX "Event_orgId_environmentId_sequence_idx";
CREATE INDEX "Event_orgId_transactionId_sequence_idx" ON "Event"("orgId", "transactionId", "sequence");

-- An issuer turns the daily account limits report on or off per environment.
ALTER TABLE "Environment" ADD COLUMN "accountLimitsReport" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN "reportScheduleVersion" INTEGER NOT NULL DEFAULT 1;

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "WebhookEndpoint" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(500),
    "eventTypes" VARCHAR(100)[] DEFAULT ARRAY[]::VARCHAR(100)[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabledReason" VARCHAR(20),
    "disabledAt" TIMESTAMPTZ(3),
    "failingSince" TIMESTAMPTZ(3),
    "secret" VARCHAR(500) NOT NULL,
    "previousSecret" VARCHAR(500),
    "previousSecretExpiresAt" TIMESTAMPTZ(3),
    "cursorTransactionId" BIGINT NOT NULL,
    "cursorSequence" BIGINT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "WebhookEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" UUID NOT NULL,
    "sequence" BIGSERIAL NOT NULL,
    "endpointId" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "subjectId" VARCHAR(200) NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "giveUpAt" TIMESTAMPTZ(3) NOT NULL,
    "deliveredAt" TIMESTAMPTZ(3),
    "redeliveredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "statusCode" INTEGER,
    "responseExcerpt" VARCHAR(1000),
    "error" VARCHAR(500),
    "manual" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "WebhookAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookEndpoint_orgId_environmentId_createdAt_id_idx" ON "WebhookEndpoint"("orgId", "environmentId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_sequence_key" ON "WebhookDelivery"("sequence");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_createdAt_id_idx" ON "WebhookDelivery"("endpointId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_status_nextAttemptAt_idx" ON "WebhookDelivery"("endpointId", "status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_endpointId_subjectId_sequence_idx" ON "WebhookDelivery"("endpointId", "subjectId", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_endpointId_eventId_key" ON "WebhookDelivery"("endpointId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookAttempt_deliveryId_number_key" ON "WebhookAttempt"("deliveryId", "number");

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEndpoint" ADD CONSTRAINT "WebhookEndpoint_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "WebhookEndpoint"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "WebhookDelivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Attempts are what happened: append-only like the audits.
CREATE TRIGGER "WebhookAttempt_append_only"
    BEFORE UPDATE OR DELETE ON "WebhookAttempt"
    FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_rewrite"();

CREATE TRIGGER "WebhookAttempt_no_truncate"
    BEFORE TRUNCATE ON "WebhookAttempt"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_rewrite"();

-- Endpoints are soft-deleted (their deliveries stay readable); deliveries change state.
GRANT SELECT, INSERT, UPDATE ON "WebhookEndpoint", "WebhookDelivery" TO card_issuing_app;
GRANT SELECT, INSERT ON "WebhookAttempt" TO card_issuing_app;
GRANT USAGE ON SEQUENCE "WebhookDelivery_sequence_seq" TO card_issuing_app;
