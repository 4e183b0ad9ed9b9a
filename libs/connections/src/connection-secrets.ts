import { TokenCipher } from '@app/pleo';

/** ENCRYPTION_KEY is missing: connections cannot hold secrets. */
export class SecretsUnavailable extends Error {
  constructor() {
    super('ENCRYPTION_KEY is not set: connections cannot store credentials. Set it (openssl rand -base64 32) and restart.');
    this.name = 'SecretsUnavailable';
  }
}

/**
 * Connection secrets at rest: AES-256-GCM with ENCRYPTION_KEY, each bound to its row and name by
 * associated data, so a sealed value copied to another connection or field does not open.
 */
export class ConnectionSecrets {
  constructor(private readonly cipher: TokenCipher | null) {}

  get available(): boolean {
    return this.cipher !== null;
  }

  seal(connectionId: string, name: string, plain: string): string {
    return this.require().encrypt(plain, `connection:${connectionId}:${name}`);
  }

  open(connectionId: string, name: string, sealed: string): string {
    return this.require().decrypt(sealed, `connection:${connectionId}:${name}`);
  }

  /** The named secrets that are set, decrypted. */
  openAll(connectionId: string, sealed: Record<string, string>, names: readonly string[]): Record<string, string> {
    return Object.fromEntries(names.filter((n) => sealed[n]).map((n) => [n, this.open(connectionId, n, sealed[n])]));
  }

  private require(): TokenCipher {
    if (!this.cipher) throw new SecretsUnavailable();
    return this.cipher;
  }
}
