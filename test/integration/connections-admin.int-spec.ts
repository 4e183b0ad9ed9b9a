import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ConnectionRepository } from '@app/connections';
import { TokenCipher } from '@app/pleo';
import { TEST_ENCRYPTION_KEY, sandboxConnection } from '../support/connections';
import { ConnectionsWorld } from '../support/connections-world';
import { RunningApi, dropQueuePrefix, startApi } from '../support/harness';
import { ROOT } from '../support/processes';
import { TEST_ADMIN_TOKEN, TEST_PLEO_API_KEY, uniquePrefix } from '../support/test-env';

describe('admin API: connections (real PostgreSQL)', () => {
  const world = new ConnectionsWorld();

  beforeAll(() => world.start());
  afterAll(() => world.close());

  it('creates, shows, lists, changes and deletes a connection; secrets are write-only', async () => {
    const companyId = randomUUID();
    const secret = `pleo-key-${randomUUID()}`;
    const created = await world.admin.create(sandboxConnection(companyId, secret, { walletAccount: '1910', itemConcurrency: 2 }));
    expect(created.status).toBe(201);
    expect(created.json.data).toEqual({
      id: expect.any(String),
      companyId,
      name: expect.any(String),
      erpKind: 'sandbox',
      erpSettings: {},
      booking: { walletAccount: '1910', itemConcurrency: 2, postingState: 'posted' },
      pleo: { auth: 'api_key', clientId: null },
      status: 'active',
      statusReason: null,
      statusSide: null,
      lastVerifiedAt: null,
      lastVerification: null,
      secrets: { pleoApiKey: true, pleoClientSecret: false, pleoRefreshToken: false },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.json.data.id;

    // Stored sealed, bound to this row and field: another row or field cannot open it.
    const row = (await world.db.query('SELECT secrets FROM connections WHERE id = $1', [id])).rows[0];
    expect(JSON.stringify(row)).not.toContain(secret);
    const cipher = new TokenCipher(TEST_ENCRYPTION_KEY);
    expect(cipher.decrypt(row.secrets.pleoApiKey, `connection:${id}:pleoApiKey`)).toBe(secret);
    expect(() => cipher.decrypt(row.secrets.pleoApiKey, `connection:${randomUUID()}:pleoApiKey`)).toThrow();
    expect(() => cipher.decrypt(row.secrets.pleoApiKey, `connection:${id}:pleoClientSecret`)).toThrow();

    const shown = await world.admin.get(id);
    const listed = await world.admin.list();
    expect(shown.json.data).toEqual(created.json.data);
    expect(listed.json.data).toContainEqual(created.json.data);
    for (const answer of [created, shown, listed]) expect(answer.text).not.toContain(secret);

    const newSecret = `pleo-key-${randomUUID()}`;
    const patched = await world.admin.patch(id, { name: 'Renamed', booking: { apAccount: '2400' }, secrets: { pleoApiKey: newSecret } });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ name: 'Renamed', booking: { walletAccount: '1910', apAccount: '2400', itemConcurrency: 2 }, secrets: { pleoApiKey: true } });
    expect(patched.text).not.toContain(newSecret);
    const rowAfter = (await world.db.query('SELECT secrets FROM connections WHERE id = $1', [id])).rows[0];
    expect(cipher.decrypt(rowAfter.secrets.pleoApiKey, `connection:${id}:pleoApiKey`)).toBe(newSecret);

    // One live connection per company; deleting frees the company (the row stays, soft-deleted).
    expect((await world.admin.create(sandboxConnection(companyId, 'k'))).status).toBe(409);
    expect((await world.admin.remove(id)).status).toBe(204);
    expect((await world.admin.get(id)).status).toBe(404);
    expect((await world.admin.remove(id)).status).toBe(404);
    expect((await world.db.query('SELECT deleted_at FROM connections WHERE id = $1', [id])).rows[0].deleted_at).not.toBeNull();
    expect((await world.admin.create(sandboxConnection(companyId, 'k'))).status).toBe(201);
  });

  it('refuses bad input with every problem named, and stores nothing', async () => {
    const companyId = randomUUID();
    const bad = await world.admin.create({ ...sandboxConnection(companyId, 'k'), erpKind: 'nope', secrets: { stolen: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toEqual(expect.arrayContaining([expect.stringMatching(/^erpKind must be one of: .*sandbox/), expect.stringMatching(/^secrets\.stolen: not a secret/)]));
    const settings = await world.admin.create({ ...sandboxConnection(companyId, 'k'), erpSettings: { tenantId: 'x' } });
    expect(settings.json.message).toEqual(['erpSettings.tenantId: the sandbox ERP takes no settings']);
    const noKey = await world.admin.create({ ...sandboxConnection(companyId, 'k'), secrets: {} });
    expect(noKey.json.message).toEqual(['secrets.pleoApiKey is required with pleo.auth api_key']);
    const dto = await world.admin.create({ ...sandboxConnection('not-a-uuid', 'k'), booking: { postingState: 'later', walletAccount: 'no spaces' } });
    expect(dto.status).toBe(400);
    expect(dto.json.message).toEqual(expect.arrayContaining([expect.stringContaining('companyId'), expect.stringContaining('postingState'), expect.stringContaining('walletAccount')]));
    expect((await world.db.query('SELECT count(*)::int AS n FROM connections WHERE company_id = $1', [companyId])).rows[0].n).toBe(0);
    expect((await world.admin.patch(randomUUID(), { name: 'x' })).status).toBe(404);
    expect((await world.admin.patch((await world.admin.create(sandboxConnection(companyId, 'k'))).json.data.id, { companyId: randomUUID() })).status).toBe(400);
    // a connection of a kind this build does not know (stored by a newer one) still lists
    await world.db.query("INSERT INTO connections (company_id, name, erp_kind) VALUES ($1, 'From a newer build', 'future-erp')", [randomUUID()]);
    expect((await world.admin.list()).status).toBe(200);
  });

  it('verify: stores the result; refused Pleo credentials → needs_reauthorisation; a new key and a passing verify → active', async () => {
    const companyId = randomUUID();
    const { json } = await world.admin.create(sandboxConnection(companyId, 'a-revoked-key'));
    const failed = await world.admin.verify(json.data.id);
    expect(failed.status).toBe(200);
    expect(failed.json.data).toMatchObject({
      status: 'needs_reauthorisation',
      statusSide: 'pleo',
      statusReason: expect.stringContaining('401'),
      lastVerifiedAt: expect.any(String),
      lastVerification: { ok: false, message: expect.stringMatching(/^Pleo: .*401/) },
    });
    const renewed = await world.admin.patch(json.data.id, { secrets: { pleoApiKey: TEST_PLEO_API_KEY } });
    expect(renewed.json.data.status).toBe('active');
    const passed = await world.admin.verify(json.data.id);
    expect(passed.json.data).toMatchObject({ status: 'active', lastVerification: { ok: true, message: 'The ERP and Pleo both accepted the connection.' } });
    for (const answer of [failed, renewed, passed]) expect(answer.text).not.toContain(TEST_PLEO_API_KEY);
  });

  it('changing one secret never writes back another that a worker rotated meanwhile', async () => {
    const { json } = await world.admin.create({ companyId: randomUUID(), name: 'OAuth', erpKind: 'sandbox', pleo: { auth: 'oauth', clientId: 'app' }, secrets: { pleoClientSecret: 'first' } });
    expect(json.data).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'pleo', statusReason: expect.stringContaining('connect flow') });
    const repository = world.api.app.get(ConnectionRepository);
    const stale = (await repository.get(json.data.id))!;
    await repository.rotateSecrets(stale.id, { pleoRefreshToken: 'rotated-by-a-worker' });
    await repository.update(stale, { secrets: { pleoClientSecret: 'second', pleoApiKey: null } });
    const sealed = (await world.db.query('SELECT secrets FROM connections WHERE id = $1', [stale.id])).rows[0].secrets;
    const cipher = new TokenCipher(TEST_ENCRYPTION_KEY);
    expect(cipher.decrypt(sealed.pleoRefreshToken, `connection:${stale.id}:pleoRefreshToken`)).toBe('rotated-by-a-worker');
    expect(cipher.decrypt(sealed.pleoClientSecret, `connection:${stale.id}:pleoClientSecret`)).toBe('second');
  });

  it('the sandbox pages show one connection’s book (?connection=)', async () => {
    const other = randomUUID();
    await world.db.query("INSERT INTO sandbox_vendors (book, name, name_key, currency) VALUES ($1, 'Only here', $2, 'EUR')", [other, `only-here-${other}`]);
    const inBook: any = await world.admin.call('GET', `/admin/sandbox/vendors?connection=${other}`);
    expect(inBook.json.data.map((v: any) => v.name)).toEqual(['Only here']);
    const inDefault: any = await world.admin.call('GET', '/admin/sandbox/vendors?limit=1000');
    expect(inDefault.json.data.map((v: any) => v.name)).not.toContain('Only here');
    expect((await world.admin.call('GET', '/admin/sandbox/entries?connection=drop%20table')).status).toBe(400);
  });
});

describe('npm run connections (the CLI over the admin API)', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
  });

  afterAll(async () => {
    await api.close();
    await dropQueuePrefix(prefix);
  });

  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'scripts/connections.mjs'), ...args], { env: { PATH: process.env.PATH, API_URL: api.url, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN } }, (error, out, err) =>
        resolve({ code: error ? (error.code as number) : 0, out, err }),
      );
    });

  it('adds, lists, changes and deletes; errors say what is wrong', async () => {
    const companyId = randomUUID();
    const added = await cli('add', '--company', companyId, '--name', 'Via CLI', '--pleo-api-key', 'cli-secret-key', '--booking', '{"walletAccount":"1910"}');
    expect(added.code).toBe(0);
    const id = JSON.parse(added.out).data.id;
    expect(added.out).not.toContain('cli-secret-key');
    expect(JSON.parse((await cli('list')).out).data.map((c: any) => c.id)).toContain(id);
    const set = await cli('set', id, '--status', 'disabled', '--secret', 'pleoApiKey=another');
    expect(JSON.parse(set.out).data).toMatchObject({ status: 'disabled', secrets: { pleoApiKey: true } });
    expect((await cli('delete', id)).code).toBe(0);
    const missing = await cli('show', id);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/answered 404/);
    expect((await cli('add', '--company', companyId, '--booking', 'not json')).err).toMatch(/--booking must be JSON/);
  });
});
