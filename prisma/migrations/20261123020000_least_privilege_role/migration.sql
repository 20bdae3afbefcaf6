-- The product connects as card_issuing_app (or a login that is a member of it): no table of its
-- own, only the privileges below. Migrations run as the owner of the tables. Creating the role
-- takes CREATEROLE; where the migrating user lacks it, create the role beforehand.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'card_issuing_app') THEN
        CREATE ROLE card_issuing_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO card_issuing_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "Org", "Environment", "ApiKey", "IdempotencyRecord" TO card_issuing_app;
GRANT SELECT, INSERT, UPDATE ON "Program", "Customer", "Account", "AccountStatusReason" TO card_issuing_app;
-- History is added to, never rewritten: the audits, the event log, the ledger, the daily
-- snapshots and what was sent.
GRANT SELECT, INSERT ON "AccountCustomer", "AccountStatusChange", "AccountEvent", "AccountTransaction", "AccountDailyBalance", "Notification" TO card_issuing_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO card_issuing_app;

-- The ledger refuses rewrites like the audits do, whoever connects.
CREATE TRIGGER "AccountTransaction_append_only"
    BEFORE UPDATE OR DELETE ON "AccountTransaction"
    FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_rewrite"();

CREATE TRIGGER "AccountTransaction_no_truncate"
    BEFORE TRUNCATE ON "AccountTransaction"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_rewrite"();
