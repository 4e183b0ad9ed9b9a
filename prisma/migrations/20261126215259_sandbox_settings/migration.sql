-- CreateTable
CREATE TABLE "sandbox_settings" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sandbox_settings_pkey" PRIMARY KEY ("key")
);
