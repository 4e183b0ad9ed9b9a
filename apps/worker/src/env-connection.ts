import { WorkerConfig } from '@app/config';
import { ConnectionsOptions, EnvConnectionSettings } from '@app/connections';
import { bcFromEnv, trytonFromEnv, xeroFromEnv } from '@app/erp';

/** The ERP settings and secrets of the default connection, read from the kind's own variables. */
const ERP_FROM_ENV: Record<string, (config: WorkerConfig) => { settings: Record<string, unknown>; secrets: Record<string, string> }> = {
  tryton: (config) => trytonFromEnv(config as unknown as NodeJS.ProcessEnv),
  // the configuration has already refused bad XERO_* values (one message naming each)
  xero: (config) => xeroFromEnv(config as unknown as NodeJS.ProcessEnv),
  'business-central': (config) => bcFromEnv(config as unknown as Record<string, string | undefined>),
};

/** The environment's default connection: today's single-company settings, not stored. */
export const envConnection = (config: WorkerConfig): EnvConnectionSettings => ({
  erpKind: config.ERP_ADAPTER,
  companyIds: config.PLEO_COMPANY_IDS,
  ...(ERP_FROM_ENV[config.ERP_ADAPTER] && {
    erpSettings: ERP_FROM_ENV[config.ERP_ADAPTER](config).settings,
    erpSecrets: ERP_FROM_ENV[config.ERP_ADAPTER](config).secrets,
  }),
  booking: {
    walletAccount: config.EXPORT_WALLET_ACCOUNT,
    outOfPocketAccount: config.EXPORT_OUT_OF_POCKET_ACCOUNT,
    contraAccount: config.EXPORT_CONTRA_ACCOUNT,
    apAccount: config.EXPORT_AP_ACCOUNT,
    postingState: config.EXPORT_POSTING_STATE,
    itemConcurrency: config.EXPORT_ITEM_CONCURRENCY,
  },
});

export const connectionsOptions = (config: WorkerConfig): ConnectionsOptions => ({
  encryptionKey: config.ENCRYPTION_KEY,
  pleoApiBaseUrl: config.PLEO_API_BASE_URL,
  pleoTokenUrl: config.PLEO_OAUTH_TOKEN_URL,
  pleoTimeoutMs: config.PLEO_HTTP_TIMEOUT_MS,
  pleoMaxRetries: config.PLEO_HTTP_MAX_RETRIES,
  pleoRetryBaseMs: config.PLEO_HTTP_RETRY_BASE_MS,
});
