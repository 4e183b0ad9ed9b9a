export const CONNECTIONS_OPTIONS = Symbol('CONNECTIONS_OPTIONS');

/** How stored connections reach Pleo (deployment-wide), and the key their secrets are sealed with. */
export interface ConnectionsOptions {
  encryptionKey?: string;
  pleoApiBaseUrl: string;
  pleoTokenUrl: string;
  pleoTimeoutMs: number;
  pleoMaxRetries: number;
  pleoRetryBaseMs: number;
}
