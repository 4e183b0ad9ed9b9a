-- CreateTable
CREATE TABLE "xero_oauth_credentials" (
    "connection_key" TEXT NOT NULL,
    "refresh_token_enc" TEXT,
    "access_token_enc" TEXT,
    "access_token_expires_at" TIMESTAMPTZ(3),
    "seed_hash" TEXT,
    "revoked_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "xero_oauth_credentials_pkey" PRIMARY KEY ("connection_key")
);
