-- DropIndex
DROP INDEX "sandbox_vendors_name_key_key";

-- DropIndex
DROP INDEX "sandbox_vendors_reference_key";

-- DropIndex
DROP INDEX "sandbox_vendors_tax_number_idx";

-- DropIndex
DROP INDEX "sandbox_entries_reference_key";

-- AlterTable
ALTER TABLE "sandbox_vendors" ADD COLUMN     "book" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "sandbox_entries" ADD COLUMN     "book" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "sandbox_accounts" DROP CONSTRAINT "sandbox_accounts_pkey",
ADD COLUMN     "book" TEXT NOT NULL DEFAULT 'default',
ADD CONSTRAINT "sandbox_accounts_pkey" PRIMARY KEY ("book", "code");

-- AlterTable
ALTER TABLE "sandbox_tax_codes" DROP CONSTRAINT "sandbox_tax_codes_pkey",
ADD COLUMN     "book" TEXT NOT NULL DEFAULT 'default',
ADD CONSTRAINT "sandbox_tax_codes_pkey" PRIMARY KEY ("book", "code");

-- CreateTable
CREATE TABLE "connections" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "company_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "erp_kind" TEXT NOT NULL,
    "erp_settings" JSONB NOT NULL DEFAULT '{}',
    "booking" JSONB NOT NULL DEFAULT '{}',
    "pleo" JSONB NOT NULL DEFAULT '{}',
    "secrets" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'active',
    "status_side" TEXT,
    "status_reason" TEXT,
    "last_verified_at" TIMESTAMPTZ(3),
    "last_verification_ok" BOOLEAN,
    "last_verification_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_state_uses" (
    "nonce" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "oauth_state_uses_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE INDEX "connections_company_id_idx" ON "connections"("company_id");

-- CreateIndex
CREATE INDEX "connections_status_idx" ON "connections"("status");

-- CreateIndex
CREATE INDEX "sandbox_vendors_book_tax_number_idx" ON "sandbox_vendors"("book", "tax_number");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_vendors_book_name_key_key" ON "sandbox_vendors"("book", "name_key");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_vendors_book_reference_key" ON "sandbox_vendors"("book", "reference");

-- CreateIndex
CREATE INDEX "sandbox_entries_book_created_at_idx" ON "sandbox_entries"("book", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_entries_book_reference_key" ON "sandbox_entries"("book", "reference");

-- One live connection per Pleo company: a deleted one keeps its row (soft delete) and frees the id.
-- (the Prisma schema cannot state a partial index, so it lives here only)
CREATE UNIQUE INDEX "connections_company_id_live_key" ON "connections"("company_id") WHERE "deleted_at" IS NULL;
