import type { CommonConfig } from '@app/config';
import { TokenCipher } from '@app/pleo';
import { ErpError } from './erp-errors';
import type { SecretSealer } from './adapters/xero/xero-token.store';

/**
 * Seals what an ERP keeps at rest (Xero's rotating tokens) with ENCRYPTION_KEY, the key that seals
 * connection secrets (libs/connections) — the same TokenCipher, built here from the configuration
 * so this library does not import the connections library (which imports this one). Without a key
 * nothing can be sealed: the ERP call fails with a configuration error naming ENCRYPTION_KEY.
 */
export function erpSecretSealer(config: CommonConfig): SecretSealer {
  // ENCRYPTION_KEY is declared by the api's and the worker's configuration, not by CommonConfig
  const key = (config as CommonConfig & { ENCRYPTION_KEY?: string }).ENCRYPTION_KEY;
  if (key) return new TokenCipher(key);
  const missing = () => {
    throw new ErpError('configuration', 'ENCRYPTION_KEY is not set: Xero\'s rotating tokens cannot be stored. Set it (openssl rand -base64 32) and restart.');
  };
  return { encrypt: missing, decrypt: missing };
}
