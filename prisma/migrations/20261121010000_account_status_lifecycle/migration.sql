-- CreateEnum
CREATE TYPE "TransactionType" AS ENUM ('CASH_IN', 'CASH_OUT');

-- AlterTable
ALTER TABLE "Environment" ADD COLUMN     "statusReasonRequiredFor" "AccountStatus"[] DEFAULT ARRAY[]::"AccountStatus"[];

-- AlterTable
ALTER TABLE "AccountStatusChange" ADD COLUMN     "blockedUntil" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "AccountTransaction" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "type" "TransactionType" NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "balanceAfter" BIGINT NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "requestId" VARCHAR(100),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountTransaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccountTransaction_accountId_createdAt_idx" ON "AccountTransaction"("accountId", "createdAt");

-- CreateIndex
CREATE INDEX "AccountTransaction_environmentId_orgId_idx" ON "AccountTransaction"("environmentId", "orgId");

-- AddForeignKey
ALTER TABLE "AccountTransaction" ADD CONSTRAINT "AccountTransaction_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTransaction" ADD CONSTRAINT "AccountTransaction_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Money moves in positive amounts; the type gives the direction.
ALTER TABLE "AccountTransaction" ADD CONSTRAINT "AccountTransaction_amount_positive" CHECK ("amount" > 0);
