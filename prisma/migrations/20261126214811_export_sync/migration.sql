-- CreateEnum
CREATE TYPE "ExportRunStatus" AS ENUM ('RUNNING', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED');

-- CreateEnum
CREATE TYPE "LedgerStatus" AS ENUM ('POSTING', 'POSTED', 'FAILED');

-- AlterTable
ALTER TABLE "sandbox_entries" ADD COLUMN     "external_reference" TEXT,
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'posted',
ADD COLUMN     "total" DECIMAL(18,4) NOT NULL DEFAULT 0;
-- (entries written before this migration get 0, new ones always carry their total)
ALTER TABLE "sandbox_entries" ALTER COLUMN "total" DROP DEFAULT;

-- CreateTable
CREATE TABLE "export_job_runs" (
    "job_id" UUID NOT NULL,
    "company_id" TEXT NOT NULL,
    "status" "ExportRunStatus" NOT NULL DEFAULT 'RUNNING',
    "items_total" INTEGER NOT NULL DEFAULT 0,
    "items_succeeded" INTEGER NOT NULL DEFAULT 0,
    "items_failed" INTEGER NOT NULL DEFAULT 0,
    "final_event" TEXT,
    "final_event_sent_at" TIMESTAMPTZ(3),
    "failure_reason_type" TEXT,
    "failure_reason" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "export_job_runs_pkey" PRIMARY KEY ("job_id")
);

-- CreateTable
CREATE TABLE "export_item_ledger" (
    "company_id" TEXT NOT NULL,
    "accounting_entry_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "status" "LedgerStatus" NOT NULL,
    "erp_id" TEXT,
    "erp_number" TEXT,
    "erp_url" TEXT,
    "attachments_done" INTEGER NOT NULL DEFAULT 0,
    "failure_reason_type" TEXT,
    "failure_reason" TEXT,
    "reported_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "export_item_ledger_pkey" PRIMARY KEY ("company_id","accounting_entry_id")
);

-- CreateTable
CREATE TABLE "sandbox_accounts" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "sandbox_accounts_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "sandbox_tax_codes" (
    "code" TEXT NOT NULL,
    "rate" DECIMAL(6,4) NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "sandbox_tax_codes_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE INDEX "export_job_runs_company_id_started_at_idx" ON "export_job_runs"("company_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "export_job_runs_started_at_idx" ON "export_job_runs"("started_at" DESC);

-- CreateIndex
CREATE INDEX "export_item_ledger_job_id_idx" ON "export_item_ledger"("job_id");

-- The sandbox ERP's chart of accounts and tax codes (a small Danish/German-style chart).
INSERT INTO "sandbox_accounts" ("code", "name") VALUES
  ('1910', 'Pleo wallet'),
  ('2400', 'Accounts payable'),
  ('2890', 'Employee out-of-pocket'),
  ('2990', 'Pleo contra / clearing'),
  ('4000', 'Cost of goods'),
  ('6100', 'Office supplies'),
  ('6110', 'Furniture and equipment'),
  ('6300', 'Software and subscriptions'),
  ('6540', 'IT and hosting'),
  ('6800', 'Marketing'),
  ('7000', 'Travel'),
  ('7010', 'Mileage'),
  ('7020', 'Per diem'),
  ('7100', 'Meals and entertainment'),
  ('7900', 'Bank fees'),
  ('8000', 'Other expenses');
INSERT INTO "sandbox_tax_codes" ("code", "rate", "name") VALUES
  ('S25', 0.25, 'Standard 25 %'),
  ('S20', 0.20, 'Standard 20 %'),
  ('S19', 0.19, 'Standard 19 %'),
  ('R7', 0.07, 'Reduced 7 %'),
  ('Z0', 0, 'Zero rated'),
  ('E0', 0, 'Exempt'),
  ('RC25', 0.25, 'EU reverse charge 25 %'),
  ('RC19', 0.19, 'EU reverse charge 19 %');
