-- A rollback to the status an account was cancelled from restores that status as it was (reason,
-- description, end of a temporary block); its history entry names the entry it restored.
ALTER TABLE "AccountStatusChange" ADD COLUMN "restoredChangeId" BIGINT;

ALTER TABLE "AccountStatusChange" ADD CONSTRAINT "AccountStatusChange_restoredChangeId_fkey" FOREIGN KEY ("restoredChangeId") REFERENCES "AccountStatusChange"("id") ON DELETE SET NULL ON UPDATE CASCADE;
