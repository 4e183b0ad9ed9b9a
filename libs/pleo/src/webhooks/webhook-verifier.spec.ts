import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import vector from '../../../../test/fixtures/standard-webhooks-test-vector.json';
import { WebhookVerificationFailed, WebhookVerifier } from './webhook-verifier';

const frozenAt = Number(vector.webhookTimestamp) * 1000;
const headersOf = (signature = vector.signature, timestamp = vector.webhookTimestamp, id = vector.webhookId) => ({
  'webhook-id': id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});

function failure(fn: () => unknown): WebhookVerificationFailed {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationFailed);
    return err as WebhookVerificationFailed;
  }
  throw new Error('expected verification to fail');
}

describe('WebhookVerifier', () => {
  const verifier = new WebhookVerifier([vector.secret], 300, () => frozenAt);

  it('accepts the Standard Webhooks known-answer vector (string and Buffer bodies)', () => {
    expect(verifier.verify(vector.body, headersOf())).toEqual({
      webhookId: vector.webhookId,
      timestamp: Number(vector.webhookTimestamp),
    });
    expect(verifier.verify(Buffer.from(vector.body), headersOf()).webhookId).toBe(vector.webhookId);
  });

  it('signs the raw bytes: bodies differing only in invalid UTF-8 no longer verify alike (review I2)', () => {
    const signer = new Webhook(vector.secret);
    const valid = Buffer.from(vector.body);
    // standardwebhooks decodes bytes as UTF-8 first, so its signature of 0xff equals that of 0xfe.
    const a = Buffer.concat([valid, Buffer.from([0xff])]);
    const b = Buffer.concat([valid, Buffer.from([0xfe])]);
    const signatureOfA = new WebhookVerifier([vector.secret], 300, () => frozenAt);
    const ours = createHmac('sha256', Buffer.from(vector.secret.slice(6), 'base64'))
      .update(`${vector.webhookId}.${vector.webhookTimestamp}.`)
      .update(a)
      .digest('base64');
    expect(signatureOfA.verify(a, headersOf(`v1,${ours}`)).webhookId).toBe(vector.webhookId);
    expect(failure(() => signatureOfA.verify(b, headersOf(`v1,${ours}`))).reason).toBe('invalid_signature');
    // For valid UTF-8 the oracle and the native HMAC agree.
    expect(verifier.verify(valid, headersOf(signer.sign(vector.webhookId, new Date(frozenAt), vector.body))).webhookId).toBe(
      vector.webhookId,
    );
  });

  it('rejects a body changed by one byte', () => {
    expect(failure(() => verifier.verify(vector.body.replace('2432', '2433'), headersOf())).reason).toBe(
      'invalid_signature',
    );
  });

  it('rejects the right signature for another webhook-id', () => {
    expect(failure(() => verifier.verify(vector.body, headersOf(undefined, undefined, 'msg_other'))).reason).toBe(
      'invalid_signature',
    );
  });

  it('accepts when any entry of a space-separated signature list matches', () => {
    const list = `v1,bm90IHRoZSByaWdodCBvbmU= v2,${vector.signature.slice(3)} ${vector.signature}`;
    expect(verifier.verify(vector.body, headersOf(list)).webhookId).toBe(vector.webhookId);
  });

  it('ignores entries of other versions even when their value matches', () => {
    const v2Only = `v2,${vector.signature.slice(3)}`;
    expect(failure(() => verifier.verify(vector.body, headersOf(v2Only))).reason).toBe('invalid_signature');
  });

  it('tries every configured secret (rotation: new secret first, old still accepted)', () => {
    const newSecret = 'whsec_' + Buffer.from('a brand new secret of 32 bytes!!').toString('base64');
    const rotating = new WebhookVerifier([newSecret, vector.secret], 300, () => frozenAt);
    expect(rotating.verify(vector.body, headersOf()).webhookId).toBe(vector.webhookId);

    const signedWithNew = new Webhook(newSecret).sign(vector.webhookId, new Date(frozenAt), vector.body);
    expect(rotating.verify(vector.body, headersOf(signedWithNew)).webhookId).toBe(vector.webhookId);

    const onlyNew = new WebhookVerifier([newSecret], 300, () => frozenAt);
    expect(failure(() => onlyNew.verify(vector.body, headersOf())).reason).toBe('invalid_signature');
  });

  describe('timestamp tolerance', () => {
    const at = (offsetSeconds: number) => new WebhookVerifier([vector.secret], 300, () => frozenAt + offsetSeconds * 1000);

    it('accepts exactly at the edge, both ways', () => {
      expect(at(300).verify(vector.body, headersOf()).webhookId).toBe(vector.webhookId);
      expect(at(-300).verify(vector.body, headersOf()).webhookId).toBe(vector.webhookId);
    });

    it('rejects a stale timestamp', () => {
      const err = failure(() => at(301).verify(vector.body, headersOf()));
      expect(err.reason).toBe('stale_timestamp');
      expect(err.message).toContain('301 s old');
    });

    it('rejects a timestamp from the future', () => {
      expect(failure(() => at(-301).verify(vector.body, headersOf())).reason).toBe('future_timestamp');
    });

    it('uses the configured tolerance', () => {
      const strict = new WebhookVerifier([vector.secret], 10, () => frozenAt + 11_000);
      expect(failure(() => strict.verify(vector.body, headersOf())).reason).toBe('stale_timestamp');
    });
  });

  describe('missing or garbled headers', () => {
    it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('names a missing %s', (name) => {
      const headers: Record<string, string | undefined> = headersOf();
      delete headers[name];
      const err = failure(() => verifier.verify(vector.body, headers));
      expect(err.reason).toBe('missing_headers');
      expect(err.message).toContain(name);
    });

    it('treats an empty header as missing', () => {
      expect(failure(() => verifier.verify(vector.body, headersOf(''))).reason).toBe('missing_headers');
    });

    it.each(['1614265330.5', 'abc', '1614265330abc', '-1614265330', ''.padEnd(13, '1')])(
      'rejects the timestamp %p',
      (ts) => {
        expect(failure(() => verifier.verify(vector.body, headersOf(undefined, ts))).reason).toBe('invalid_timestamp');
      },
    );

    it.each(['g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=', 'v1,', 'v1', 'v1,!!!', ','])(
      'rejects the garbled signature %p',
      (sig) => {
        expect(failure(() => verifier.verify(vector.body, headersOf(sig))).reason).toBe('invalid_signature');
      },
    );
  });

  it('refuses to be built without a secret', () => {
    expect(() => new WebhookVerifier([], 300)).toThrow('at least one secret');
  });
});
