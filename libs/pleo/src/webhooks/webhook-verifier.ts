import { createHmac, timingSafeEqual } from 'node:crypto';

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
 * Verifies Pleo's Standard Webhooks signatures (pleo-api.md §2.3): base64 of
 * HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`), where the key is the base64
 * after `whsec_`.
 *
 * The HMAC is Node's native one over the raw bytes as received (no UTF-8 decoding, so two bodies
 * that differ in invalid bytes no longer verify alike; re-serialised JSON would not match either).
 * Every configured secret is tried (rotation: newest first), every `v1,` entry of the
 * space-separated header is compared in constant time, and the tolerance comes from configuration.
 * The `standardwebhooks` library signs the tests' requests, as an independent oracle.
 */
export class WebhookVerifier {
  private readonly keys: Buffer[];

  constructor(
    secrets: readonly string[],
    private readonly toleranceSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!secrets.length) throw new Error('WebhookVerifier needs at least one secret');
    this.keys = secrets.map((s) => Buffer.from(s.startsWith('whsec_') ? s.slice('whsec_'.length) : s, 'base64'));
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
      for (const key of this.keys) {
        const expected = Buffer.from(
          createHmac('sha256', key).update(`${webhookId}.${timestamp}.`).update(rawBody).digest('base64'),
        );
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
