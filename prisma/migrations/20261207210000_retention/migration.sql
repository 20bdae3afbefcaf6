-- What the retention run needs to find expired rows by an index, oldest first.
CREATE INDEX "Notification_sentAt_idx" ON "Notification"("sentAt");
CREATE INDEX "IdempotencyRecord_createdAt_idx" ON "IdempotencyRecord"("createdAt");
CREATE INDEX "WebhookDelivery_eventId_idx" ON "WebhookDelivery"("eventId");

-- How far each org's event log has been trimmed by the retention: the position of the newest
-- event it deleted. The feed answers a cursor before it as expired instead of skipping the gap.
CREATE TABLE "EventLogTrim" (
    "orgId" UUID NOT NULL,
    "transactionId" BIGINT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "trimmedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EventLogTrim_pkey" PRIMARY KEY ("orgId")
);

GRANT SELECT ON "EventLogTrim" TO card_issuing_app;

-- The append-only guard lets the retention function, and it alone, delete expired rows of the
-- event log and of the webhook attempts. The function sets card_issuing.retention for its own
-- transaction; the product's role has no DELETE privilege on these tables, so the setting opens
-- nothing to it. The audits (AccountStatusChange, AccountEvent, AccountTransaction,
-- ProgramChange) are never exempt: an operator archives them (README "Data retention").
CREATE OR REPLACE FUNCTION "refuse_append_only_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME IN ('Event', 'WebhookAttempt')
       AND current_setting('card_issuing.retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Deletes one batch (at most batch_size rows, one short transaction) of table_name's rows older
-- than before_time, and returns how many it deleted and where the next batch starts (null: done).
-- It runs as the owner (SECURITY DEFINER) so the product's role, which may not delete history,
-- can run the retention; it refuses a before_time more recent than each table's least retention,
-- so it cannot be used to delete recent rows.
--   Event: by sequence from after_key; an event a webhook delivery still references is kept
--     until the delivery goes.
--   WebhookDelivery: by sequence from after_key; only finished ones (delivered or failed), with
--     their attempts.
--   Notification, IdempotencyRecord (not one whose request is still under way), EndedSession:
--     the oldest first by their time column's index.
CREATE FUNCTION "retention_delete_batch"(table_name TEXT, before_time TIMESTAMPTZ, after_key BIGINT, batch_size INTEGER)
RETURNS TABLE (deleted INTEGER, next_key BIGINT)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
SET lock_timeout = '5s'
AS $$
DECLARE
    least_age INTERVAL := CASE table_name
        WHEN 'Event' THEN INTERVAL '30 days'
        WHEN 'WebhookDelivery' THEN INTERVAL '7 days'
        WHEN 'Notification' THEN INTERVAL '30 days'
        WHEN 'IdempotencyRecord' THEN INTERVAL '1 day'
        WHEN 'EndedSession' THEN INTERVAL '0'
    END;
    last_key BIGINT;
    newest TIMESTAMPTZ;
    examined INTEGER;
BEGIN
    IF least_age IS NULL THEN
        RAISE EXCEPTION 'retention_delete_batch: no retention for table %', table_name;
    END IF;
    IF before_time IS NULL OR before_time > now() - least_age THEN
        RAISE EXCEPTION 'retention_delete_batch: % keeps at least %', table_name, least_age;
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'retention_delete_batch: batch_size must be 1 to 10000';
    END IF;
    PERFORM set_config('card_issuing.retention', 'on', true);
    deleted := 0;
    next_key := NULL;
    IF table_name IN ('Event', 'WebhookDelivery') THEN
        -- The batch is the next range of the key: the batch_size rows after after_key
        EXECUTE format(
            'SELECT max(sequence), max(%I), count(*) FROM (SELECT sequence, %I FROM %I WHERE sequence > $1 ORDER BY sequence LIMIT $2) b',
            CASE table_name WHEN 'Event' THEN 'occurredAt' ELSE 'createdAt' END,
            CASE table_name WHEN 'Event' THEN 'occurredAt' ELSE 'createdAt' END,
            table_name)
            INTO last_key, newest, examined USING COALESCE(after_key, 0), batch_size;
        IF examined = 0 THEN
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    CASE table_name
    WHEN 'Event' THEN
        WITH gone AS (
            DELETE FROM "Event" e
            WHERE e.sequence > COALESCE(after_key, 0) AND e.sequence <= last_key AND e."occurredAt" < before_time
              AND NOT EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."eventId" = e.id)
            RETURNING e."orgId", e."transactionId", e.sequence
        ), newest AS (
            SELECT DISTINCT ON ("orgId") "orgId", "transactionId", sequence FROM gone
            ORDER BY "orgId", "transactionId" DESC, sequence DESC
        ), trimmed AS (
            INSERT INTO "EventLogTrim" ("orgId", "transactionId", sequence)
            SELECT "orgId", "transactionId", sequence FROM newest
            ON CONFLICT ("orgId") DO UPDATE
                SET "transactionId" = EXCLUDED."transactionId", sequence = EXCLUDED.sequence, "trimmedAt" = now()
                WHERE ("EventLogTrim"."transactionId", "EventLogTrim".sequence) < (EXCLUDED."transactionId", EXCLUDED.sequence)
        )
        SELECT count(*) INTO deleted FROM gone;
    WHEN 'WebhookDelivery' THEN
        DELETE FROM "WebhookAttempt" WHERE "deliveryId" IN (
            SELECT id FROM "WebhookDelivery"
            WHERE sequence > COALESCE(after_key, 0) AND sequence <= last_key
              AND "createdAt" < before_time AND status <> 'PENDING');
        DELETE FROM "WebhookDelivery"
        WHERE sequence > COALESCE(after_key, 0) AND sequence <= last_key
          AND "createdAt" < before_time AND status <> 'PENDING';
        GET DIAGNOSTICS deleted = ROW_COUNT;
    WHEN 'Notification' THEN
        DELETE FROM "Notification" WHERE id IN (
            SELECT id FROM "Notification" WHERE "sentAt" < before_time ORDER BY "sentAt" LIMIT batch_size);
        GET DIAGNOSTICS deleted = ROW_COUNT;
    WHEN 'IdempotencyRecord' THEN
        DELETE FROM "IdempotencyRecord" WHERE (scope, key) IN (
            SELECT scope, key FROM "IdempotencyRecord"
            WHERE "createdAt" < before_time AND ("completedAt" IS NOT NULL OR "leaseExpiresAt" < now())
            ORDER BY "createdAt" LIMIT batch_size);
        GET DIAGNOSTICS deleted = ROW_COUNT;
    WHEN 'EndedSession' THEN
        DELETE FROM "EndedSession" WHERE id IN (
            SELECT id FROM "EndedSession" WHERE "expiresAt" < LEAST(before_time, now())
            ORDER BY "expiresAt" LIMIT batch_size);
        GET DIAGNOSTICS deleted = ROW_COUNT;
    END CASE;
    IF table_name IN ('Event', 'WebhookDelivery') THEN
        -- Rows are written in key order, so a batch that reached the retained range, or the end
        -- of the table, is the last
        IF examined = batch_size AND newest < before_time THEN
            next_key := last_key;
        END IF;
    ELSIF deleted = batch_size THEN
        next_key := 0;
    END IF;
    PERFORM set_config('card_issuing.retention', 'off', true);
    RETURN NEXT;
END
$$;

REVOKE ALL ON FUNCTION "retention_delete_batch"(TEXT, TIMESTAMPTZ, BIGINT, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "retention_delete_batch"(TEXT, TIMESTAMPTZ, BIGINT, INTEGER) TO card_issuing_app;
