import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value this key cannot open: a different ENCRYPTION_KEY, or the value was altered. */
export class TokenDecryptError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt a stored secret (${reason}): ENCRYPTION_KEY is not the key it was encrypted with, or the value was altered`);
    this.name = 'TokenDecryptError';
  }
}

/**
 * AES-256-GCM for secrets at rest. The key is ENCRYPTION_KEY: 32 random bytes, base64
 * (e.g. `openssl rand -base64 32`).
 *
 * Format `v2.<iv>.<tag>.<ciphertext>` (base64url): 12-byte IV, 16-byte tag (fixed, checked: Node
 * would accept a truncated tag), and associated data `aad` that binds the value to where it is
 * stored (e.g. `pleo-oauth:<clientId>:refresh_token`), so a value copied to another row or field
 * does not open. `v1` values (no AAD) still open; they are re-sealed as v2 on their next write.
 */
export class TokenCipher {
  private readonly key: Buffer;

  constructor(base64Key: string) {
    this.key = Buffer.from(base64Key, 'base64');
    if (this.key.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  }

  encrypt(plain: string, aad = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v2', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** `aad` must be what the value was sealed with (v1 values have none and ignore it). */
  decrypt(sealed: string, aad = ''): string {
    const [version, ivText, tagText, ctText, extra] = sealed.split('.');
    if ((version !== 'v1' && version !== 'v2') || !ivText || !tagText || ctText === undefined || extra !== undefined) {
      throw new TokenDecryptError('not a sealed value');
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TokenDecryptError('malformed IV or tag');
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    if (version === 'v2') decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptError('authentication failed');
    }
  }
}
