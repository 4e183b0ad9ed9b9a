import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type VerificationFailureReason =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'invalid_signature';

export class WebhookVerificationFailed extends Error {
  constructor(
    readonly reason: VerificationFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookVerificationFailed';
  }
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export interface VerifiedWebhook {
  webhookId: string;
  timestamp: number;
}

const REQUIRED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Verifies Pleo's Standard Webhooks signatures (pleo-api.md §2.3).
 *
 * The `standardwebhooks` library decodes the secrets and computes the signature; its own `verify`
 * is not used because its ±5 min tolerance is fixed, it takes one secret, and its errors do not
 * say which check failed. Here every configured secret is tried (rotation: newest first), every
 * `v1,` entry of the space-separated header is compared in constant time, and the tolerance comes
 * from configuration. The body must be the raw bytes as received: re-serialised JSON would not match.
 */
export class WebhookVerifier {
  private readonly signers: Webhook[];

  constructor(
    secrets: readonly string[],
    private readonly toleranceSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!secrets.length) throw new Error('WebhookVerifier needs at least one secret');
    this.signers = secrets.map((s) => new Webhook(s));
  }

  verify(rawBody: Buffer | string, headers: HeaderBag): VerifiedWebhook {
    const missing = REQUIRED_HEADERS.filter((h) => !header(headers, h));
    if (missing.length) {
      throw new WebhookVerificationFailed('missing_headers', `missing header(s): ${missing.join(', ')}`);
    }
    const webhookId = header(headers, 'webhook-id')!;
    const rawTimestamp = header(headers, 'webhook-timestamp')!;
    const signatureHeader = header(headers, 'webhook-signature')!;

    if (!/^\d{1,12}$/.test(rawTimestamp)) {
      throw new WebhookVerificationFailed('invalid_timestamp', 'webhook-timestamp must be whole unix seconds');
    }
    const timestamp = Number(rawTimestamp);
    const skew = Math.floor(this.nowMs() / 1000) - timestamp;
    if (skew > this.toleranceSeconds) {
      throw new WebhookVerificationFailed(
        'stale_timestamp',
        `webhook-timestamp is ${skew} s old; at most ${this.toleranceSeconds} s is accepted`,
      );
    }
    if (-skew > this.toleranceSeconds) {
      throw new WebhookVerificationFailed(
        'future_timestamp',
        `webhook-timestamp is ${-skew} s in the future; at most ${this.toleranceSeconds} s is accepted`,
      );
    }

    const offered = signatureHeader
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => Buffer.from(entry.slice(3)));
    if (offered.length) {
      const signedAt = new Date(timestamp * 1000);
      for (const signer of this.signers) {
        const expected = Buffer.from(signer.sign(webhookId, signedAt, rawBody).slice(3));
        // Every offered entry is compared; no early exit that would reveal which one matched.
        let matched = false;
        for (const candidate of offered) {
          if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
        }
        if (matched) return { webhookId, timestamp };
      }
    }
    throw new WebhookVerificationFailed(
      'invalid_signature',
      'webhook-signature does not match the body for any configured secret',
    );
  }
}
