-- An endpoint receives the events of transactions that had not committed when it was made: the
-- snapshot it was made in says which had. An endpoint made before gets one that sees only
-- transactions its cursor has passed, so nothing changes for it.
ALTER TABLE "WebhookEndpoint" ADD COLUMN "creationSnapshot" TEXT;
UPDATE "WebhookEndpoint"
  SET "creationSnapshot" = "cursorTransactionId" || ':' || "cursorTransactionId" || ':';
ALTER TABLE "WebhookEndpoint" ALTER COLUMN "creationSnapshot" SET NOT NULL;
