import { randomUUID } from 'node:crypto';
import { ConnectionClients, ConnectionRepository } from '@app/connections';
import { ConnectionsWorld } from '../support/connections-world';
import { freePort } from '../support/processes';

const CLIENT = { clientId: 'partner-app', clientSecret: `app-secret-${randomUUID()}` };

describe('Pleo OAuth connect flow, end to end against the fake Pleo’s authorize and token endpoints', () => {
  const world = new ConnectionsWorld();

  beforeAll(async () => {
    const port = await freePort(); // the redirect URI names it, so it is chosen before the API starts
    await world.start({ oauth: { ...CLIENT, refreshToken: 'unused-seed' } }, (fake) => ({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PLEO_OAUTH_AUTHORIZE_URL: `${fake.url}/oauth/authorize`,
      PLEO_OAUTH_TOKEN_URL: `${fake.url}/oauth/token`,
    }));
  });

  afterAll(() => world.close());

  const manual = (url: string) => fetch(url, { redirect: 'manual' });
  const oauthConnection = async () => {
    const res = await world.admin.create({ companyId: randomUUID(), name: 'OAuth company', erpKind: 'sandbox', pleo: { auth: 'oauth', clientId: CLIENT.clientId }, secrets: { pleoClientSecret: CLIENT.clientSecret } });
    expect(res.status).toBe(201);
    return res.json.data;
  };
  /** Operator: ask for the link, open it, approve in Pleo; returns Pleo's redirect back to us. */
  const approve = async (id: string) => {
    const link = await world.admin.call('POST', `/admin/connections/${id}/connect`);
    expect(link.status).toBe(200);
    const start = await manual(link.json.data.url);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${world.fake.url}/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: CLIENT.clientId, code_challenge_method: 'S256', redirect_uri: `${world.api.url}/connect/pleo/callback` });
    const back = await manual(authorize.toString());
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  };
  const page = async (url: URL | string) => {
    const res = await fetch(url);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  };

  it('connects: the chain is stored sealed, the connection turns active and Pleo accepts it; the answer cannot be used twice', async () => {
    const conn = await oauthConnection();
    expect(conn).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'pleo', secrets: { pleoRefreshToken: false } });
    const callback = await approve(conn.id);

    const done = await page(callback);
    expect(done).toMatchObject({ status: 200, type: expect.stringContaining('text/html'), text: expect.stringContaining('is connected to Pleo') });
    const shown = (await world.admin.get(conn.id)).json.data;
    expect(shown).toMatchObject({ status: 'active', statusSide: null, secrets: { pleoRefreshToken: true, pleoClientSecret: true } });
    const row = JSON.stringify((await world.db.query('SELECT * FROM connections WHERE id = $1', [conn.id])).rows[0]);
    expect(row).not.toContain(world.fake.oauth!.current!);
    expect(row).not.toContain(CLIENT.clientSecret);

    // replaying Pleo's answer (same state, same code) is refused before the code is tried again
    const replay = await page(callback);
    expect(replay).toMatchObject({ status: 400, text: expect.stringContaining('already used') });
    expect(world.fake.authorize.exchanges).toEqual([{ code: callback.searchParams.get('code'), ok: true }]);
    // and Pleo itself takes a code only once
    const again = await fetch(`${world.fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: `${world.api.url}/connect/pleo/callback`, code_verifier: 'x'.repeat(43) }),
    });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });

    // the stored chain works: verify refreshes through the token endpoint, once for two clients at once
    world.fake.oauth!.accessTokens.clear(); // the access token from the exchange expired
    const before = world.fake.oauth!.refreshCount;
    const record = (await world.api.app.get(ConnectionRepository).get(conn.id))!;
    const [one, two] = [world.api.app.get(ConnectionClients).build(record), world.api.app.get(ConnectionClients).build(record)];
    await Promise.all([one.pleoExports.listJobs(record.companyId, ['pending']).next(), two.pleoExports.listJobs(record.companyId, ['pending']).next()]);
    expect(world.fake.oauth!.refreshCount).toBe(before + 1);
    expect((await world.admin.verify(conn.id)).json.data.lastVerification).toEqual({ ok: true, message: expect.any(String) });

    // Pleo revokes the chain: only invalid_grant → needs_reauthorisation (the pleo side)
    world.fake.oauth!.current = undefined;
    world.fake.oauth!.accessTokens.clear();
    const revoked = (await world.admin.verify(conn.id)).json.data;
    expect(revoked).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'pleo', statusReason: expect.stringContaining('invalid_grant') });
  });

  it('refuses a tampered or missing state, a denied authorisation and a bad link, each with a page saying what to do', async () => {
    const conn = await oauthConnection();
    const callback = await approve(conn.id);
    const state = callback.searchParams.get('state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}`);
    expect(await page(tampered)).toMatchObject({ status: 400, text: expect.stringContaining('cannot be trusted') });
    const other = new URL(callback);
    other.searchParams.delete('state');
    expect(await page(other)).toMatchObject({ status: 400, text: expect.stringContaining('cannot be trusted') });
    expect(world.fake.authorize.exchanges.filter((e) => e.code === callback.searchParams.get('code'))).toEqual([]);
    expect((await world.admin.get(conn.id)).json.data.status).toBe('needs_reauthorisation');

    world.fake.authorize.denyNext = true;
    const denied = await approve(conn.id);
    expect(await page(denied)).toMatchObject({ status: 400, text: expect.stringContaining('access was denied in Pleo') });

    expect(await page(`${world.api.url}/connect/pleo/start?connection=${conn.id}&ticket=forged.ticket`)).toMatchObject({ status: 400, text: expect.stringContaining('invalid or has expired') });
    expect((await page(`${world.api.url}/connect/quickbooks/start?connection=${conn.id}`)).status).toBe(404);
    // xero is a provider now: a forged ticket is refused there too
    expect((await page(`${world.api.url}/connect/xero/start?connection=${conn.id}&ticket=forged.ticket`)).status).toBe(400);
    const apiKeyConn = await world.admin.create({ companyId: randomUUID(), name: 'Key', erpKind: 'sandbox', pleo: { auth: 'api_key' }, secrets: { pleoApiKey: 'k' } });
    expect((await world.admin.call('POST', `/admin/connections/${apiKeyConn.json.data.id}/connect`)).status).toBe(409);
  });

  it('refuses an authorisation that cannot see the connection’s company (logged in to another entity): nothing stored', async () => {
    const conn = await oauthConnection();
    const callback = await approve(conn.id);
    // Pleo refuses the new token for this company (it was granted for another one)
    world.fake.state.faults.push({ operation: 'getExportJobsListV3', times: 1, status: 403 });
    const refused = await page(callback);
    expect(refused).toMatchObject({ status: 400, text: expect.stringContaining('does not give access to the connection') });
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'needs_reauthorisation', secrets: { pleoRefreshToken: false } });
  });

  it('stores a new chain only under the lock a worker’s refresh of the old chain holds (its rotated token never overwrites the new chain)', async () => {
    const conn = await oauthConnection();
    const callback = await approve(conn.id);
    const refresh = await world.db.connect(); // a worker inside obtain(): the advisory lock of the chain held
    try {
      await refresh.query('BEGIN');
      await refresh.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`connection-oauth:${conn.id}:pleo`]);
      const done = page(callback);
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await world.admin.get(conn.id)).json.data.secrets.pleoRefreshToken).toBe(false); // waits for the refresh to commit
      await refresh.query('COMMIT');
      expect(await done).toMatchObject({ status: 200 });
    } finally {
      refresh.release();
    }
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'active', secrets: { pleoRefreshToken: true } });
  });
});
