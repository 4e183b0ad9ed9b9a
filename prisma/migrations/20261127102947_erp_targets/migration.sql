-- AlterTable
ALTER TABLE "vendor_links" ADD COLUMN     "erp_target" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "export_item_ledger" ADD COLUMN     "erp_target" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "export_receipt_ledger" DROP CONSTRAINT "export_receipt_ledger_pkey",
ADD COLUMN     "erp_target" TEXT NOT NULL DEFAULT '',
ADD CONSTRAINT "export_receipt_ledger_pkey" PRIMARY KEY ("company_id", "accounting_entry_id", "erp_target", "sha256");
