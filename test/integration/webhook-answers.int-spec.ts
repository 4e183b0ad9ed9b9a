import { RunningApi, dropQueuePrefix, post, startApi, testDb } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';
import { Pool } from 'pg';

/**
 * The webhook route left Nest for a raw Fastify route (issue #14): its answers, byte for byte as
 * the Nest route gave them, and the per-route body limits (review S2) and id caps (review I2).
 */
describe('POST /webhooks/pleo answers and limits', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;
  let db: Pool;
  let url: string;

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix, WEBHOOK_BODY_LIMIT_BYTES: String(256 * 1024) });
    url = `${api.url}/webhooks/pleo`;
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  const signed = (body: string) => signedHeaders(body);
  const missing = '{"statusCode":401,"error":"missing_headers","message":"missing header(s): webhook-id, webhook-timestamp, webhook-signature"}';

  it.each([
    ['an unsigned text/plain body', 'hello', { 'content-type': 'text/plain' }, 401, missing],
    ['an unsigned empty body', '', { 'content-type': 'application/json' }, 401, missing],
    [
      'a signed empty body',
      '',
      signed(''),
      400,
      '{"statusCode":400,"error":"invalid_body","message":"invalid webhook body: the body must be a JSON object {data, eventId, eventType}","details":["the body must be a JSON object {data, eventId, eventType}"]}',
    ],
    [
      'a signed bad envelope',
      '{"data":[],"eventId":"","eventType":5}',
      signed('{"data":[],"eventId":"","eventType":5}'),
      400,
      '{"statusCode":400,"error":"invalid_body","message":"invalid webhook body: data must be an object; eventId must not be empty; eventType must be a string","details":["data must be an object","eventId must not be empty","eventType must be a string"]}',
    ],
    [
      'a signed prototype-poisoning body',
      '{"__proto__": {"a": 1}}',
      signed('{"__proto__": {"a": 1}}'),
      400,
      '{"statusCode":400,"error":"invalid_body","message":"invalid webhook body: body is not valid JSON: Object contains forbidden prototype property","details":["body is not valid JSON: Object contains forbidden prototype property"]}',
    ],
    [
      'a non-numeric timestamp',
      '{}',
      { 'content-type': 'application/json', 'webhook-id': 'x', 'webhook-timestamp': 'abc', 'webhook-signature': 'v1,x' },
      401,
      '{"statusCode":401,"error":"invalid_timestamp","message":"webhook-timestamp must be whole unix seconds"}',
    ],
  ])('%s: the same answer as before', async (_name, body, headers, status, text) => {
    const res = await post(url, body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.text).toBe(text);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it("is served without running Nest's middleware, which the other routes keep (issue #14)", async () => {
    // Nest's Fastify adapter runs each middleware that matches a request through `runMiddleware`.
    const adapter = api.app.getHttpAdapter() as unknown as { runMiddleware: (...args: unknown[]) => unknown };
    const spy = jest.spyOn(adapter, 'runMiddleware');
    try {
      const body = vendorCreatedBody();
      expect((await post(url, body, signed(body))).status).toBe(202);
      expect(spy).not.toHaveBeenCalled();
      await fetch(`${api.url}/admin/events`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('GET on the webhook route: 404 as before', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"message":"Cannot GET /webhooks/pleo","error":"Not Found","statusCode":404}');
  });

  it('the webhook route takes bodies up to WEBHOOK_BODY_LIMIT_BYTES; over it, 413 as before', async () => {
    const large = vendorCreatedBody({ name: 'x'.repeat(200 * 1024) });
    expect((await post(url, large, signed(large))).status).toBe(202);
    const tooLarge = vendorCreatedBody({ name: 'x'.repeat(300 * 1024) });
    const res = await post(url, tooLarge, signed(tooLarge));
    expect(res.status).toBe(413);
    expect(res.text).toBe('{"statusCode":413,"message":"Request body is too large"}');
  });

  it('admin routes refuse bodies over 64 KiB before anything else (review S2)', async () => {
    const res = await post(`${api.url}/admin/events/replay`, JSON.stringify({ x: 'y'.repeat(70 * 1024) }), {
      'content-type': 'application/json',
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
    });
    expect(res.status).toBe(413);
  });

  it('webhook ids and ignored events’ ids over 200 characters: 400, nothing stored (review I2)', async () => {
    const body = vendorCreatedBody();
    const longId = `msg_${'a'.repeat(3000)}`;
    const res = await post(url, body, signedHeaders(body, { webhookId: longId }));
    expect(res.status).toBe(400);
    expect(res.json.details).toEqual(['webhook-id must be shorter than or equal to 200 characters']);

    const ignored = JSON.stringify({ data: { id: 'x', companyId: 'c'.repeat(3000) }, eventId: 'e', eventType: 'v1.expense.created' });
    const headers = signedHeaders(ignored);
    const again = await post(url, ignored, headers);
    expect(again.status).toBe(400);
    expect(again.json.details).toEqual(['data.companyId must be shorter than or equal to 200 characters']);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM webhook_events WHERE webhook_id = ANY($1)', [[longId, headers['webhook-id']]]);
    expect(rows[0].n).toBe(0);
  });
});
