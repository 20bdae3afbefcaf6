-- A claim on an Idempotency-Key is held by a lease its request renews while it runs; a claim
-- whose lease ran out belongs to a request that died, and a retry takes it over at once.
ALTER TABLE "IdempotencyRecord" ADD COLUMN "owner" UUID,
ADD COLUMN "leaseExpiresAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- The operation behind a change, so a retried request or activity recognises its own work.
ALTER TABLE "AccountCustomer" ADD COLUMN "operationId" UUID;
ALTER TABLE "AccountEvent" ADD COLUMN "operationId" VARCHAR(200);
ALTER TABLE "AccountStatusChange" ADD COLUMN "operationId" VARCHAR(200);

-- CreateIndex
CREATE UNIQUE INDEX "AccountStatusChange_accountId_operationId_key" ON "AccountStatusChange"("accountId", "operationId");

-- CreateIndex
CREATE UNIQUE INDEX "AccountEvent_accountId_operationId_key" ON "AccountEvent"("accountId", "operationId");
