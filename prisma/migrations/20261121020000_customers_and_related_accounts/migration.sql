-- AlterTable
ALTER TABLE "Program" ADD COLUMN     "defaultCreditLimit" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "dueDays" INTEGER[] DEFAULT ARRAY[]::INTEGER[];

-- AlterTable
ALTER TABLE "Customer" ADD COLUMN     "addresses" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "contacts" JSONB NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "applicationId" UUID,
ADD COLUMN     "creditLimit" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "parentAccountId" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "Account_applicationId_key" ON "Account"("applicationId");

-- CreateIndex
CREATE INDEX "Account_parentAccountId_idx" ON "Account"("parentAccountId");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_parentAccountId_fkey" FOREIGN KEY ("parentAccountId") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;
