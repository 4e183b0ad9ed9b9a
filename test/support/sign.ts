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
  return JSON.stringify({ data: vendorData(overrides), eventType: 'v1.vendor.created', eventId: randomUUID() });
}

/** A DRAFT vendor as Pleo sends it; unique name and tax number so tests never match each other's. */
export function vendorData(overrides: Record<string, unknown> = {}) {
  const id = randomUUID();
  return {
    id,
    companyId: '5b1f7a52-3c8e-4d0a-9a11-2f5c1e0b9d77',
    name: `Supplier ${id.slice(0, 8)} GmbH`,
    country: 'DE',
    registrationNumber: '',
    taxRegistrationNumber: `DE${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`,
    code: null,
    state: 'DRAFT',
    defaultCurrency: 'EUR',
    createdAt: '2025-02-21T10:05:43.530450712Z',
    updatedAt: '2025-02-21T10:05:43.530450712Z',
    deletedAt: null,
    ...overrides,
  };
}
