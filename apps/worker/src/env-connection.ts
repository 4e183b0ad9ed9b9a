import { WorkerConfig } from '@app/config';
import { ConnectionsOptions, EnvConnectionSettings } from '@app/connections';

/** The environment's default connection: today's single-company settings, not stored. */
export const envConnection = (config: WorkerConfig): EnvConnectionSettings => ({
  erpKind: config.ERP_ADAPTER,
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
