-- Environments are provisioned and verified by a workflow, which records each step here.
ALTER TYPE "EnvironmentStatus" ADD VALUE 'VERIFYING';
ALTER TYPE "EnvironmentStatus" ADD VALUE 'FAILED';

ALTER TABLE "Environment"
  ADD COLUMN "provisioningError" VARCHAR(1000),
  ADD COLUMN "verifiedAt" TIMESTAMPTZ(3);

-- The networks an org certifies with while it onboards.
ALTER TABLE "Org" ADD COLUMN "networks" "CardNetwork"[] DEFAULT ARRAY[]::"CardNetwork"[];
