-- CreateEnum
CREATE TYPE "OrgStatus" AS ENUM ('ONBOARDING', 'ACTIVE');

-- CreateEnum
CREATE TYPE "EnvironmentKind" AS ENUM ('TEST', 'PRODUCTION');

-- CreateEnum
CREATE TYPE "EnvironmentStatus" AS ENUM ('PROVISIONING', 'READY');

-- CreateEnum
CREATE TYPE "ProgramType" AS ENUM ('CREDIT', 'DEBIT', 'PREPAID');

-- CreateEnum
CREATE TYPE "CardNetwork" AS ENUM ('VISA', 'MASTERCARD');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('NORMAL', 'BLOCKED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "CustomerKind" AS ENUM ('PERSON', 'COMPANY');

-- CreateEnum
CREATE TYPE "AccountCustomerRole" AS ENUM ('HOLDER', 'ADDITIONAL');

-- CreateEnum
CREATE TYPE "StatusChangeKind" AS ENUM ('CHANGE', 'ROLLBACK', 'AUTOMATIC_UNBLOCK');

-- CreateTable
CREATE TABLE "Org" (
    "id" UUID NOT NULL,
    "legalName" VARCHAR(200) NOT NULL,
    "addressLine1" VARCHAR(200) NOT NULL,
    "addressLine2" VARCHAR(200),
    "city" VARCHAR(100) NOT NULL,
    "region" VARCHAR(100),
    "postalCode" VARCHAR(20) NOT NULL,
    "country" CHAR(2) NOT NULL,
    "timeZone" VARCHAR(64) NOT NULL,
    "status" "OrgStatus" NOT NULL DEFAULT 'ONBOARDING',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Org_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Environment" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "kind" "EnvironmentKind" NOT NULL,
    "status" "EnvironmentStatus" NOT NULL DEFAULT 'PROVISIONING',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Environment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "prefix" VARCHAR(32) NOT NULL,
    "secretHash" CHAR(64) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Program" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "type" "ProgramType" NOT NULL,
    "cardNetwork" "CardNetwork" NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Program_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "kind" "CustomerKind" NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "documentNumber" VARCHAR(32) NOT NULL,
    "birthDate" DATE,
    "incorporationDate" DATE,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Account" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "programId" UUID NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'NORMAL',
    "statusReasonId" UUID,
    "statusDescription" VARCHAR(500),
    "statusChangedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "statusBeforeCancellation" "AccountStatus",
    "blockedUntil" TIMESTAMPTZ(3),
    "balance" BIGINT NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountCustomer" (
    "accountId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "role" "AccountCustomerRole" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountCustomer_pkey" PRIMARY KEY ("accountId","customerId")
);

-- CreateTable
CREATE TABLE "AccountStatusReason" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "code" VARCHAR(50) NOT NULL,
    "description" VARCHAR(500) NOT NULL,
    "appliesTo" "AccountStatus"[] DEFAULT ARRAY[]::"AccountStatus"[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountStatusReason_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountStatusChange" (
    "id" BIGSERIAL NOT NULL,
    "orgId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "kind" "StatusChangeKind" NOT NULL,
    "fromStatus" "AccountStatus" NOT NULL,
    "toStatus" "AccountStatus" NOT NULL,
    "reasonId" UUID,
    "description" VARCHAR(500),
    "accountVersion" INTEGER NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "requestId" VARCHAR(100),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountStatusChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "scope" VARCHAR(64) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "method" VARCHAR(10) NOT NULL,
    "path" VARCHAR(500) NOT NULL,
    "requestHash" CHAR(64) NOT NULL,
    "responseStatus" INTEGER,
    "responseBody" JSONB,
    "responseHeaders" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("scope","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Environment_orgId_kind_key" ON "Environment"("orgId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_id_orgId_key" ON "Environment"("id", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_environmentId_orgId_idx" ON "ApiKey"("environmentId", "orgId");

-- CreateIndex
CREATE INDEX "Program_environmentId_orgId_idx" ON "Program"("environmentId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "Program_environmentId_name_key" ON "Program"("environmentId", "name");

-- CreateIndex
CREATE INDEX "Customer_environmentId_orgId_idx" ON "Customer"("environmentId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_environmentId_documentNumber_key" ON "Customer"("environmentId", "documentNumber");

-- CreateIndex
CREATE INDEX "Account_environmentId_orgId_idx" ON "Account"("environmentId", "orgId");

-- CreateIndex
CREATE INDEX "Account_programId_idx" ON "Account"("programId");

-- CreateIndex
CREATE INDEX "Account_statusReasonId_idx" ON "Account"("statusReasonId");

-- CreateIndex
CREATE INDEX "AccountCustomer_customerId_idx" ON "AccountCustomer"("customerId");

-- CreateIndex
CREATE INDEX "AccountCustomer_environmentId_orgId_idx" ON "AccountCustomer"("environmentId", "orgId");

-- CreateIndex
CREATE INDEX "AccountStatusReason_environmentId_orgId_idx" ON "AccountStatusReason"("environmentId", "orgId");

-- CreateIndex
CREATE UNIQUE INDEX "AccountStatusReason_environmentId_code_key" ON "AccountStatusReason"("environmentId", "code");

-- CreateIndex
CREATE INDEX "AccountStatusChange_environmentId_orgId_idx" ON "AccountStatusChange"("environmentId", "orgId");

-- CreateIndex
CREATE INDEX "AccountStatusChange_reasonId_idx" ON "AccountStatusChange"("reasonId");

-- CreateIndex
CREATE UNIQUE INDEX "AccountStatusChange_accountId_accountVersion_key" ON "AccountStatusChange"("accountId", "accountVersion");

-- AddForeignKey
ALTER TABLE "Environment" ADD CONSTRAINT "Environment_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Program" ADD CONSTRAINT "Program_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_programId_fkey" FOREIGN KEY ("programId") REFERENCES "Program"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_statusReasonId_fkey" FOREIGN KEY ("statusReasonId") REFERENCES "AccountStatusReason"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountCustomer" ADD CONSTRAINT "AccountCustomer_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountCustomer" ADD CONSTRAINT "AccountCustomer_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountCustomer" ADD CONSTRAINT "AccountCustomer_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStatusReason" ADD CONSTRAINT "AccountStatusReason_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStatusChange" ADD CONSTRAINT "AccountStatusChange_environmentId_orgId_fkey" FOREIGN KEY ("environmentId", "orgId") REFERENCES "Environment"("id", "orgId") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStatusChange" ADD CONSTRAINT "AccountStatusChange_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStatusChange" ADD CONSTRAINT "AccountStatusChange_reasonId_fkey" FOREIGN KEY ("reasonId") REFERENCES "AccountStatusReason"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The status-change audit is append-only: the database itself refuses to rewrite history.
CREATE FUNCTION "refuse_audit_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'AccountStatusChange is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AccountStatusChange_append_only"
    BEFORE UPDATE OR DELETE ON "AccountStatusChange"
    FOR EACH ROW EXECUTE FUNCTION "refuse_audit_rewrite"();

CREATE TRIGGER "AccountStatusChange_no_truncate"
    BEFORE TRUNCATE ON "AccountStatusChange"
    FOR EACH STATEMENT EXECUTE FUNCTION "refuse_audit_rewrite"();
