import { randomBytes, randomUUID } from 'node:crypto';
import { xeroTokenAad } from '@app/erp';
import { TokenCipher } from '@app/pleo';
import { FakeXero } from '../../apps/fake-xero/src/fake-xero.server';
import { FakeXeroOrg } from '../../apps/fake-xero/src/fake-xero-org';
import { SignedTokens } from '../../apps/api/src/connect/signed-token';
import { TEST_ENCRYPTION_KEY } from '../support/connections';
import { ConnectionsWorld } from '../support/connections-world';
import { freePort } from '../support/processes';
import { TEST_PLEO_API_KEY } from '../support/test-env';

const APP = { clientId: `xero-app-${randomBytes(4).toString('hex')}`, clientSecret: `xero-secret-${randomUUID()}` };

describe('Xero connect flow, end to end against the fake Xero (authorize, code exchange, /connections)', () => {
  const world = new ConnectionsWorld();
  let xero: FakeXero;
  let uk: FakeXeroOrg;
  let second: FakeXeroOrg;
  const cipher = new TokenCipher(TEST_ENCRYPTION_KEY);

  beforeAll(async () => {
    xero = new FakeXero({ control: true });
    uk = xero.addOrg(new FakeXeroOrg(randomUUID(), 'Demo Company (UK)'));
    second = xero.addOrg(new FakeXeroOrg(randomUUID(), 'Second & "Co" <Ltd>'));
    await xero.listen(0);
    const port = await freePort(); // the redirect URI names it: registered on the Xero app before the API starts
    xero.identity.addClient({ ...APP, redirectUris: [`http://127.0.0.1:${port}/connect/xero/callback`] });
    await world.start({}, () => ({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` }));
  });

  afterAll(async () => {
    await Promise.all([world.close(), xero.close()]);
  });

  afterEach(() => {
    expect(xero.specProblems()).toEqual([]); // every Accounting API call the adapter made was valid
  });

  const manual = (url: string | URL, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });
  const page = async (url: URL | string, init: RequestInit = {}) => {
    const res = await fetch(url, init);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  };
  const xeroConnection = async () => {
    const res = await world.admin.create({
      companyId: randomUUID(),
      name: 'Xero company',
      erpKind: 'xero',
      erpSettings: { clientId: APP.clientId, apiUrl: xero.apiUrl, identityUrl: xero.url, authorizeUrl: `${xero.url}/identity/connect/authorize`, connectionsUrl: `${xero.url}/connections` },
      pleo: { auth: 'api_key' },
      secrets: { pleoApiKey: TEST_PLEO_API_KEY, clientSecret: APP.clientSecret },
    });
    expect(res.status).toBe(201);
    return res.json.data;
  };
  /** Operator: ask for the link, open it, consent in Xero; returns Xero's redirect back to the API. */
  const consent = async (id: string, body: Record<string, string> = {}) => {
    const link = await world.admin.call('POST', `/admin/connections/${id}/connect/xero`, body);
    expect(link.status).toBe(200);
    expect(link.json.data.redirectUri).toBe(`${world.api.url}/connect/xero/callback`);
    const start = await manual(link.json.data.url);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${xero.url}/identity/connect/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: APP.clientId, redirect_uri: `${world.api.url}/connect/xero/callback`, state: expect.any(String) });
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['offline_access', 'accounting.contacts', 'accounting.banktransactions', 'accounting.settings.read', 'accounting.attachments']));
    const back = await manual(authorize);
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  };
  const storedChain = async (id: string) => {
    const row = (await world.db.query('SELECT * FROM xero_oauth_credentials WHERE connection_key = $1', [id])).rows[0];
    return { row, refreshToken: row?.refresh_token_enc ? cipher.decrypt(row.refresh_token_enc, xeroTokenAad(id, 'refresh_token')) : null };
  };
  const refreshAt = (refreshToken: string) =>
    fetch(`${xero.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${APP.clientId}:${APP.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
    }).then((r) => r.json() as Promise<Record<string, string>>);
  const refreshes = () => xero.identity.grants.filter((g) => g.type === 'refresh_token').length;

  it('one organisation: connected at once; the chain is stored sealed, verify passes, a refresh rotates it; invalid_grant → needs_reauthorisation → connect again', async () => {
    const conn = await xeroConnection();
    expect(conn).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'erp', statusReason: expect.stringContaining('connect/xero'), secrets: { refreshToken: false, clientSecret: true } });

    xero.identity.nextConsent = { tenantIds: [uk.tenantId] };
    const callback = await consent(conn.id);
    const done = await page(callback);
    expect(done).toMatchObject({ status: 200, type: expect.stringContaining('text/html'), text: expect.stringContaining('Demo Company (UK)') });
    const shown = (await world.admin.get(conn.id)).json.data;
    expect(shown).toMatchObject({ status: 'active', statusSide: null, erpSettings: { tenantId: uk.tenantId }, secrets: { refreshToken: true } });

    // sealed in both places, never in clear
    const first = await storedChain(conn.id);
    expect(first.refreshToken).toEqual(expect.any(String));
    expect(first.row).toMatchObject({ access_token_enc: null, revoked_reason: null });
    const connectionRow = JSON.stringify((await world.db.query('SELECT * FROM connections WHERE id = $1', [conn.id])).rows[0]);
    expect(connectionRow).not.toContain(first.refreshToken);
    expect(connectionRow).not.toContain(APP.clientSecret);
    expect(JSON.stringify(first.row)).not.toContain(first.refreshToken);

    // the answer cannot be used twice, and Xero takes a code once
    expect(await page(callback)).toMatchObject({ status: 400, text: expect.stringContaining('already used') });
    expect(xero.identity.exchanges.filter((e) => e.code === callback.searchParams.get('code'))).toEqual([{ code: callback.searchParams.get('code'), ok: true }]);

    // verify: the first refresh (under the lock) rotates the first link, which is dead from then on
    const before = refreshes();
    const verified = (await world.admin.verify(conn.id)).json.data;
    expect(verified).toMatchObject({ status: 'active', lastVerification: { ok: true } });
    expect(refreshes()).toBe(before + 1);
    const rotated = await storedChain(conn.id);
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(await refreshAt(first.refreshToken!)).toEqual({ error: 'invalid_grant' });
    expect(xero.callsTo('getOrganisations').map((c) => c.tenantId)).toContain(uk.tenantId);

    // Xero refuses the chain (someone used the live refresh token): needs_reauthorisation on the ERP side
    expect(await refreshAt(rotated.refreshToken!)).toMatchObject({ access_token: expect.any(String) });
    xero.identity.expireAccessTokens();
    const refused = (await world.admin.verify(conn.id)).json.data;
    expect(refused).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'erp', lastVerification: { ok: false, message: expect.stringContaining('invalid_grant') } });

    // …and the connect flow again is the way back
    xero.identity.nextConsent = { tenantIds: [uk.tenantId] };
    expect((await page(await consent(conn.id))).status).toBe(200);
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'active', statusSide: null });
    expect((await world.admin.verify(conn.id)).json.data.lastVerification).toEqual({ ok: true, message: 'The ERP and Pleo both accepted the connection.' });
  }, 90_000);

  it('two organisations: the operator chooses on a page (form post), once; or names the organisation on start', async () => {
    const conn = await xeroConnection();
    const callback = await consent(conn.id); // auto-consent: both organisations
    const chooser = await page(callback);
    expect(chooser).toMatchObject({ status: 200, type: expect.stringContaining('text/html') });
    expect(chooser.text).toContain('Demo Company (UK)');
    expect(chooser.text).toContain('Second &#38; &#34;Co&#34; &#60;Ltd&#62;'); // escaped
    expect(chooser.text).not.toContain('<Ltd>');
    const choice = /name="choice" value="([^"]+)"/.exec(chooser.text)![1];
    // the chain is stored, but the connection waits for the choice
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'erp', statusReason: expect.stringContaining('no organisation is chosen'), secrets: { refreshToken: true } });

    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    expect(await page(`${world.api.url}/connect/xero/choose`, form({ choice, tenantId: randomUUID() }))).toMatchObject({ status: 400, text: expect.stringContaining('not one of them') });
    expect(await page(`${world.api.url}/connect/xero/choose`, form({ choice: `${choice}x`, tenantId: second.tenantId }))).toMatchObject({ status: 400, text: expect.stringContaining('cannot be trusted') });
    const chosen = await page(`${world.api.url}/connect/xero/choose`, form({ choice, tenantId: second.tenantId }));
    expect(chosen).toMatchObject({ status: 200, text: expect.stringContaining('is connected to the Xero organisation Second &#38; &#34;Co&#34; &#60;Ltd&#62;') });
    expect(await page(`${world.api.url}/connect/xero/choose`, form({ choice, tenantId: uk.tenantId }))).toMatchObject({ status: 400, text: expect.stringContaining('already chosen') });
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'active', erpSettings: { tenantId: second.tenantId } });
    const calls = xero.calls.length;
    expect((await world.admin.verify(conn.id)).json.data.lastVerification).toMatchObject({ ok: true });
    expect(xero.calls.slice(calls).map((c) => c.tenantId)).toEqual([second.tenantId]);

    // JSON for scripts: the callback lists tenantId + tenantName, the choice is a JSON POST
    const json = { accept: 'application/json' };
    const listed = (await fetch(await consent(conn.id), { headers: json }).then((r) => r.json())) as { data: { choice: string } };
    expect(listed.data).toMatchObject({ kind: 'choose', current: second.tenantId, tenants: expect.arrayContaining([{ tenantId: uk.tenantId, tenantName: 'Demo Company (UK)' }, { tenantId: second.tenantId, tenantName: second.name }]) });
    // a newer connect flow makes this page's choice stale
    const newer = await page(await consent(conn.id, { tenantId: uk.tenantId }));
    expect(newer).toMatchObject({ status: 200, text: expect.stringContaining('Demo Company (UK)') });
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'active', erpSettings: { tenantId: uk.tenantId } });
    const stale = await fetch(`${world.api.url}/connect/xero/choose`, { method: 'POST', headers: { ...json, 'content-type': 'application/json' }, body: JSON.stringify({ choice: listed.data.choice, tenantId: second.tenantId }) });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: 'not_connected', message: expect.stringContaining('connected again') });

    // an organisation named on start that Xero did not authorise: refused, nothing changed
    xero.identity.nextConsent = { tenantIds: [uk.tenantId] };
    expect(await page(await consent(conn.id, { tenantId: second.tenantId }))).toMatchObject({ status: 400, text: expect.stringContaining('was not among those authorised') });
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'active', erpSettings: { tenantId: uk.tenantId } });
  }, 90_000);

  it('refuses a denied consent, no organisation, a tampered or expired state and a bad link, each with a page saying what to do', async () => {
    const conn = await xeroConnection();
    xero.identity.nextConsent = { deny: true };
    const denied = await consent(conn.id);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(await page(denied)).toMatchObject({ status: 400, text: expect.stringContaining('access was denied in Xero') });

    xero.identity.nextConsent = { tenantIds: [] };
    expect(await page(await consent(conn.id))).toMatchObject({ status: 400, text: expect.stringContaining('No Xero organisation was authorised') });

    const callback = await consent(conn.id);
    const tampered = new URL(callback);
    const state = callback.searchParams.get('state')!;
    tampered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('A') ? 'BB' : 'AA'}`);
    expect(await page(tampered)).toMatchObject({ status: 400, text: expect.stringContaining('cannot be trusted') });
    const expired = new URL(callback);
    expired.searchParams.set('state', new SignedTokens(TEST_ENCRYPTION_KEY, 'xero-connect-state').sign({ c: conn.id, n: 'old' }, -1));
    expect(await page(expired)).toMatchObject({ status: 400, text: expect.stringContaining('expired') });
    const pleoState = new URL(callback);
    pleoState.searchParams.set('state', new SignedTokens(TEST_ENCRYPTION_KEY, 'connect-state').sign({ c: conn.id, n: 'pleo' }, 60_000));
    expect((await page(pleoState)).status).toBe(400); // a Pleo flow's state is not Xero's
    expect(xero.identity.exchanges.filter((e) => e.code === callback.searchParams.get('code'))).toEqual([]); // no code was tried

    expect(await page(`${world.api.url}/connect/xero/start?connection=${conn.id}&ticket=forged.ticket`)).toMatchObject({ status: 400, text: expect.stringContaining('invalid or has expired') });
    expect((await world.admin.get(conn.id)).json.data).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'erp', secrets: { refreshToken: false } });

    // only Xero connections of the authorization_code kind have this flow
    const sandbox = await world.admin.create({ companyId: randomUUID(), name: 'Sandbox', erpKind: 'sandbox', pleo: { auth: 'api_key' }, secrets: { pleoApiKey: 'k' } });
    expect((await world.admin.call('POST', `/admin/connections/${sandbox.json.data.id}/connect/xero`)).status).toBe(409);
    const custom = await world.admin.create({ companyId: randomUUID(), name: 'Custom', erpKind: 'xero', erpSettings: { clientId: 'c', grantType: 'client_credentials', tenantId: uk.tenantId }, pleo: { auth: 'api_key' }, secrets: { pleoApiKey: 'k', clientSecret: 's' } });
    expect(custom.json.data.status).toBe('active');
    expect((await world.admin.call('POST', `/admin/connections/${custom.json.data.id}/connect/xero`)).json).toMatchObject({ statusCode: 409, message: expect.stringContaining('Custom Connection') });
  }, 90_000);

  it('the fake Xero is as strict as Xero: a code once, its own redirect URI, a registered redirect URI', async () => {
    const conn = await xeroConnection();
    xero.identity.nextConsent = { tenantIds: [uk.tenantId] };
    const callback = await consent(conn.id);
    const code = callback.searchParams.get('code')!;
    const exchange = (redirectUri: string) =>
      fetch(`${xero.url}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${APP.clientId}:${APP.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
      }).then((r) => r.json());
    // a code stolen from the redirect and tried elsewhere: wrong redirect_uri → refused, and the code is gone
    expect(await exchange('http://evil.example/cb')).toEqual({ error: 'invalid_grant' });
    expect(await page(callback)).toMatchObject({ status: 400, text: expect.stringContaining('did not accept the authorisation (invalid_grant)') });
    expect((await world.admin.get(conn.id)).json.data.secrets.refreshToken).toBe(false);

    const authorize = new URL(`${xero.url}/identity/connect/authorize`);
    Object.entries({ response_type: 'code', client_id: APP.clientId, redirect_uri: 'http://evil.example/cb', scope: 'offline_access accounting.contacts', state: 's' }).forEach(([k, v]) => authorize.searchParams.set(k, v));
    const refused = await manual(authorize);
    expect(refused.status).toBe(400); // never redirected to an unregistered URI
    authorize.searchParams.set('redirect_uri', `${world.api.url}/connect/xero/callback`);
    authorize.searchParams.set('scope', 'offline_access accounting.everything');
    expect(new URL((await manual(authorize)).headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  }, 60_000);
});
