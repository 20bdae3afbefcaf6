-- Key rotation: a rotated key keeps working until "expiresAt" (its grace period), names the key
-- it was rotated into, and records when it was last used (written at most once per cache period).
ALTER TABLE "ApiKey" ADD COLUMN "expiresAt" TIMESTAMPTZ(3),
ADD COLUMN "lastUsedAt" TIMESTAMPTZ(3),
ADD COLUMN "replacedById" UUID;

-- CreateIndex
CREATE INDEX "ApiKey_orgId_createdAt_id_idx" ON "ApiKey"("orgId", "createdAt", "id");

-- Console sessions that were signed out, refused until they would have expired anyway.
CREATE TABLE "EndedSession" (
    "id" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "EndedSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EndedSession_expiresAt_idx" ON "EndedSession"("expiresAt");

-- The product's role: the grants on "ApiKey" are table-wide (SELECT, INSERT, UPDATE, DELETE), so
-- they cover the new columns. Ended sessions are added, read, and removed once past their expiry.
GRANT SELECT, INSERT, DELETE ON "EndedSession" TO card_issuing_app;
