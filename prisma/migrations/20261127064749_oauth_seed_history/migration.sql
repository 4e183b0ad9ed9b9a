-- AlterTable
ALTER TABLE "pleo_oauth_credentials" ADD COLUMN     "seed_hashes" TEXT[] DEFAULT ARRAY[]::TEXT[];
