import { BcClient } from './bc-client';
import { BcTokens } from './bc-token';

const COMPANY = '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c';
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A BC transport answering from a script, recording what was sent; tokens from a scripted Entra. */
function harness(answers: Response[]) {
  const sent: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  let tokenNo = 0;
  const entra = (async () => json(200, { token_type: 'Bearer', expires_in: 3599, access_token: `t${++tokenNo}` })) as typeof fetch;
  const tokens = new BcTokens({ tenantId: 'contoso.onmicrosoft.com', clientId: 'app', clientSecret: 's', tokenUrl: 'https://login.test/{tenant}/oauth2/v2.0/token' }, null, entra);
  const api = (async (url: string, init: RequestInit) => {
    sent.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, body: typeof init.body === 'string' ? init.body : undefined });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next;
  }) as unknown as typeof fetch;
  const pauses: number[] = [];
  const client = new BcClient({ apiUrl: 'https://bc.test/v2.0/', tenantId: 'contoso.onmicrosoft.com', environment: 'sandbox', companyId: COMPANY }, tokens, api, async (ms) => void pauses.push(ms));
  return { client, sent, pauses };
}

const ctx = { correlationId: 't' };

describe('Business Central OData client', () => {
  it('addresses the company by BC\'s URL layout, sends a bearer token, escaped filters and If-Match on PATCH', async () => {
    const { client, sent } = harness([json(200, { value: [{ id: 'v1' }] }), json(200, { id: 'v1' })]);
    await client.list('vendors', 'x', ctx, { $filter: "displayName eq 'O''Brien & Co'" });
    await client.patch('vendors(v1)', { displayName: 'A' }, 'W/"JzQ0OzE7MDsn"', 'x', ctx);
    expect(sent[0].url).toBe(`https://bc.test/v2.0/contoso.onmicrosoft.com/sandbox/api/v2.0/companies(${COMPANY})/vendors?$filter=displayName%20eq%20'O''Brien%20%26%20Co'`);
    expect(sent[0].headers.authorization).toBe('Bearer t1');
    expect(sent[1]).toMatchObject({ method: 'PATCH', body: '{"displayName":"A"}' });
    expect(sent[1].headers['if-match']).toBe('W/"JzQ0OzE7MDsn"');
  });

  it('gets one new token after a 401, then gives up with auth', async () => {
    const { client, sent } = harness([json(401, {}), json(200, { id: 'c' }), json(401, {}), json(401, {})]);
    await expect(client.get('', 'reading the company', ctx)).resolves.toEqual({ id: 'c' });
    expect(sent.map((s) => s.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    await expect(client.get('', 'reading the company', ctx)).rejects.toMatchObject({ kind: 'auth' });
  });

  it('waits out a short 429 (with or without Retry-After) and sends the write again; a long one pauses the job', async () => {
    const { client, sent, pauses } = harness([json(429, {}, { 'retry-after': '1' }), json(429, {}), json(201, { id: 'n' }), json(429, {}, { 'retry-after': '60' })]);
    await expect(client.post('vendors', { displayName: 'A' }, 'creating', ctx)).resolves.toEqual({ id: 'n' });
    expect(pauses).toEqual([1000, 2000]);
    expect(sent).toHaveLength(3);
    await expect(client.post('vendors', { displayName: 'B' }, 'creating', ctx)).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 60_000 });
  });

  it('says a write answered 504 or cut off may have been applied; follows nextLink only on the company\'s host', async () => {
    const { client } = harness([json(504, {}), json(200, { value: [], '@odata.nextLink': 'https://evil.test/x' })]);
    await expect(client.post('journals(x)/Microsoft.NAV.post', undefined, 'posting', ctx)).rejects.toMatchObject({ kind: 'timeout', retryable: true, mayHaveApplied: true });
    await expect(client.list('vendors', 'x', ctx)).rejects.toThrow(/another address/);
  });
});
