-- AlterTable
ALTER TABLE "export_item_ledger" ADD COLUMN     "attempted_at" TIMESTAMPTZ(3),
ADD COLUMN     "claimed_by" UUID,
ADD COLUMN     "lease_until" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "export_receipt_ledger" (
    "company_id" TEXT NOT NULL,
    "accounting_entry_id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "erp_entry_id" TEXT NOT NULL,
    "attached_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "export_receipt_ledger_pkey" PRIMARY KEY ("company_id","accounting_entry_id","sha256")
);

-- Rows whose ERP outcome may be unknown (POSTING) or that may have been written before failing
-- (FAILED) are reconciled before any new post: mark them attempted.
UPDATE "export_item_ledger" SET "attempted_at" = "updated_at" WHERE "status" <> 'POSTED';

-- A POSTED row always says which ERP entry it is (Prisma cannot express CHECK constraints).
ALTER TABLE "export_item_ledger" ADD CONSTRAINT "export_item_ledger_posted_has_erp_id" CHECK ("status" <> 'POSTED' OR "erp_id" IS NOT NULL);
