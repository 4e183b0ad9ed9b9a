import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { TEST_WEBHOOK_SECRET } from './test-env';

export interface SignOptions {
  secret?: string;
  webhookId?: string;
  /** unix seconds */
  timestamp?: number;
}

/** Headers Pleo would send for this exact body. */
export function signedHeaders(body: string | Buffer, opts: SignOptions = {}): Record<string, string> {
  const webhookId = opts.webhookId ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(opts.secret ?? TEST_WEBHOOK_SECRET).sign(webhookId, new Date(timestamp * 1000), body);
  return {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };
}

/** A vendor-created body for a fresh vendor. */
export function vendorCreatedBody(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    data: {
      id: randomUUID(),
      companyId: '5b1f7a52-3c8e-4d0a-9a11-2f5c1e0b9d77',
      name: 'Pleo Technologies GmbH',
      country: 'DE',
      registrationNumber: '',
      taxRegistrationNumber: 'DE36538686',
      code: null,
      state: 'DRAFT',
      defaultCurrency: 'EUR',
      createdAt: '2025-02-21T10:05:43.530450712Z',
      updatedAt: '2025-02-21T10:05:43.530450712Z',
      deletedAt: null,
      ...overrides,
    },
    eventType: 'v1.vendor.created',
    eventId: randomUUID(),
  });
}
