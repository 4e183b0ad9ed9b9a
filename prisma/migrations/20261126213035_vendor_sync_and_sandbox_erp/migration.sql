-- Numbers the sandbox ERP assigns, like a real ERP's number series (added by hand: Prisma's diff
-- does not create sequences that a dbgenerated() default names).
CREATE SEQUENCE "sandbox_vendor_number_seq" START 10001;
CREATE SEQUENCE "sandbox_entry_number_seq" START 10001;

-- CreateTable
CREATE TABLE "vendor_links" (
    "pleo_vendor_id" UUID NOT NULL,
    "company_id" TEXT NOT NULL,
    "erp_kind" TEXT NOT NULL,
    "erp_vendor_id" TEXT NOT NULL,
    "erp_code" TEXT,
    "activated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_links_pkey" PRIMARY KEY ("pleo_vendor_id")
);

-- CreateTable
CREATE TABLE "pleo_oauth_credentials" (
    "client_id" TEXT NOT NULL,
    "refresh_token_enc" TEXT NOT NULL,
    "access_token_enc" TEXT,
    "access_token_expires_at" TIMESTAMPTZ(3),
    "seed_hash" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pleo_oauth_credentials_pkey" PRIMARY KEY ("client_id")
);

-- CreateTable
CREATE TABLE "sandbox_vendors" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "number" TEXT NOT NULL DEFAULT ('V-'::text || nextval('sandbox_vendor_number_seq'::regclass)),
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "reference" TEXT,
    "tax_number" TEXT,
    "registration_number" TEXT,
    "country" TEXT,
    "currency" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_vendors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox_entries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "number" TEXT NOT NULL DEFAULT ('JE-'::text || nextval('sandbox_entry_number_seq'::regclass)),
    "reference" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "currency" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "vendor_id" UUID,
    "lines" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sandbox_attachments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "entry_id" UUID NOT NULL,
    "file_name" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "vendor_links_company_id_idx" ON "vendor_links"("company_id");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_vendors_number_key" ON "sandbox_vendors"("number");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_vendors_name_key_key" ON "sandbox_vendors"("name_key");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_vendors_reference_key" ON "sandbox_vendors"("reference");

-- CreateIndex
CREATE INDEX "sandbox_vendors_tax_number_idx" ON "sandbox_vendors"("tax_number");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_entries_number_key" ON "sandbox_entries"("number");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_entries_reference_key" ON "sandbox_entries"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "sandbox_attachments_entry_id_sha256_key" ON "sandbox_attachments"("entry_id", "sha256");

-- AddForeignKey
ALTER TABLE "sandbox_attachments" ADD CONSTRAINT "sandbox_attachments_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "sandbox_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
