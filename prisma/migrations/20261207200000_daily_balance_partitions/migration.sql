-- AccountDailyBalance becomes range-partitioned by date, one partition per month, so days past
-- the retention leave by dropping a whole partition instead of deleting rows one by one.
ALTER TABLE "AccountDailyBalance" RENAME TO "AccountDailyBalance_unpartitioned";
ALTER TABLE "AccountDailyBalance_unpartitioned" RENAME CONSTRAINT "AccountDailyBalance_pkey" TO "AccountDailyBalance_unpartitioned_pkey";
ALTER INDEX "AccountDailyBalance_environmentId_orgId_date_idx" RENAME TO "AccountDailyBalance_unpartitioned_environmentId_orgId_date_idx";
ALTER TABLE "AccountDailyBalance_unpartitioned" DROP CONSTRAINT "AccountDailyBalance_accountId_fkey";
ALTER TABLE "AccountDailyBalance_unpartitioned" DROP CONSTRAINT "AccountDailyBalance_environmentId_orgId_fkey";

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

    -- The key includes the partition column, as PostgreSQL requires of a partitioned table's keys
    CONSTRAINT "AccountDailyBalance_pkey" PRIMARY KEY ("accountId","date")
) PARTITION BY RANGE ("date");

CREATE INDEX "AccountDailyBalance_environmentId_orgId_date_idx" ON "AccountDailyBalance"("environmentId", "orgId", "date");

ALTER TABLE "AccountDailyBalance" ADD CONSTRAINT "AccountDailyBalance_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "AccountDailyBalance" ADD CONSTRAINT "AccountDailyBalance_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

GRANT SELECT, INSERT ON "AccountDailyBalance" TO card_issuing_app;

-- Creates the missing monthly partitions from the month of from_date to the month of
-- through_date. It runs as the owner (SECURITY DEFINER; creating a partition takes the parent's
-- owner), so the product's role, which owns nothing, can keep partitions ahead of the days it
-- writes. A partition is named after its month and granted what the parent grants the product.
CREATE FUNCTION "AccountDailyBalance_create_partitions"(from_date DATE, through_date DATE)
RETURNS INTEGER
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    month DATE := date_trunc('month', from_date)::date;
    name TEXT;
    created INTEGER := 0;
BEGIN
    IF from_date IS NULL OR through_date IS NULL OR through_date < from_date THEN
        RAISE EXCEPTION 'AccountDailyBalance_create_partitions: from_date must be on or before through_date';
    END IF;
    IF through_date > from_date + INTERVAL '10 years' THEN
        RAISE EXCEPTION 'AccountDailyBalance_create_partitions: at most 10 years at once';
    END IF;
    WHILE month <= through_date LOOP
        name := 'AccountDailyBalance_p' || to_char(month, 'YYYY_MM');
        IF to_regclass(format('%I', name)) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF "AccountDailyBalance" FOR VALUES FROM (%L) TO (%L)',
                    name, month, (month + INTERVAL '1 month')::date);
                EXECUTE format('GRANT SELECT, INSERT ON %I TO card_issuing_app', name);
                created := created + 1;
            EXCEPTION WHEN duplicate_table THEN
                -- Another session created it at the same moment
                NULL;
            END;
        END IF;
        month := (month + INTERVAL '1 month')::date;
    END LOOP;
    RETURN created;
END
$$;

-- Detaches and drops the partitions of AccountDailyBalance that end on or before before_date,
-- and returns their names. It runs as the owner (dropping a table takes its owner) and touches
-- nothing else: only partitions of this one table, and never one holding a day the product
-- still answers for (515 days back, machines/daily-balance-range.ts). Detaching takes a brief
-- exclusive lock on the parent; lock_timeout makes it give up, to be retried, rather than queue
-- the snapshot and the queries behind a long reader.
CREATE FUNCTION "AccountDailyBalance_drop_partitions"(before_date DATE)
RETURNS SETOF TEXT
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
SET lock_timeout = '5s'
AS $$
DECLARE
    partition RECORD;
BEGIN
    IF before_date IS NULL OR before_date > current_date - 515 THEN
        RAISE EXCEPTION 'AccountDailyBalance_drop_partitions: before_date must be at least 515 days ago';
    END IF;
    FOR partition IN
        SELECT c.relname AS name
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '"AccountDailyBalance"'::regclass
          AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([0-9-]+)''\)')::date <= before_date
        ORDER BY c.relname
    LOOP
        EXECUTE format('ALTER TABLE "AccountDailyBalance" DETACH PARTITION %I', partition.name);
        EXECUTE format('DROP TABLE %I', partition.name);
        RETURN NEXT partition.name;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION "AccountDailyBalance_create_partitions"(DATE, DATE) FROM PUBLIC;
REVOKE ALL ON FUNCTION "AccountDailyBalance_drop_partitions"(DATE) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "AccountDailyBalance_create_partitions"(DATE, DATE) TO card_issuing_app;
GRANT EXECUTE ON FUNCTION "AccountDailyBalance_drop_partitions"(DATE) TO card_issuing_app;

-- Partitions for every month that has rows, through three months ahead, then the rows move over.
SELECT "AccountDailyBalance_create_partitions"(
    LEAST(COALESCE(MIN("date"), current_date), current_date),
    (GREATEST(COALESCE(MAX("date"), current_date), current_date) + INTERVAL '3 months')::date)
FROM "AccountDailyBalance_unpartitioned";

INSERT INTO "AccountDailyBalance" SELECT * FROM "AccountDailyBalance_unpartitioned";

DROP TABLE "AccountDailyBalance_unpartitioned";
