import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { ConnectionResolver, SyncConnection } from '@app/connections';
import { ClaimedEvent, PrismaService, VendorLinkRepository } from '@app/database';
import { PleoApiError, PleoVendorsClient } from '@app/pleo';
import { VendorSyncService } from '@app/sync';
import { DuplicateNamesErp, ErpWrites } from '../support/counting-erp';
import { startFakePleo } from '../support/fake-pleo';
import { dropQueuePrefix, startWorker, testDb } from '../support/harness';
import { vendorData } from '../support/sign';
import { uniquePrefix } from '../support/test-env';

describe('vendor sync R8: one ERP vendor per company and supplier (real PostgreSQL, fake Pleo)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Pool;
  let erp: DuplicateNamesErp;
  let service: VendorSyncService;

  beforeAll(async () => {
    fake = await startFakePleo();
    worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fake.url });
    db = testDb();
    const prisma = worker.app.get(PrismaService);
    const resolver = worker.app.get(ConnectionResolver);
    const sandbox = await resolver.run(vendorData().companyId, async (conn) => conn.erp);
    erp = new DuplicateNamesErp(sandbox, prisma, new ErpWrites());
    service = serviceWith({ erp });
  });

  /** The real service on the company's real connection, with some of its parts replaced. */
  function serviceWith(parts: (conn: SyncConnection) => Partial<SyncConnection>): VendorSyncService;
  function serviceWith(parts: Partial<SyncConnection>): VendorSyncService;
  function serviceWith(parts: Partial<SyncConnection> | ((conn: SyncConnection) => Partial<SyncConnection>)): VendorSyncService {
    const resolver = worker.app.get(ConnectionResolver);
    const swapped = {
      run: <T>(companyId: string, work: (conn: SyncConnection) => Promise<T>) =>
        resolver.run(companyId, (conn) => work({ ...conn, ...(typeof parts === 'function' ? parts(conn) : parts) })),
    } as unknown as ConnectionResolver;
    return new VendorSyncService(worker.app.get(PrismaService), worker.app.get(VendorLinkRepository), swapped);
  }

  afterAll(async () => {
    await Promise.all([worker.close(), fake.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  const claimed = (subjectId: string): ClaimedEvent => ({
    id: crypto.randomUUID(),
    webhookId: `msg_${subjectId}`,
    eventType: 'v1.vendor.created',
    companyId: vendorData().companyId,
    subjectId,
    attempts: 1,
  });

  it('R8: two Pleo vendors with one tax number synced at once create one ERP vendor, even when names may repeat', async () => {
    const a = vendorData();
    const b = vendorData({ taxRegistrationNumber: a.taxRegistrationNumber });
    for (const v of [a, b]) fake.state.addVendor(v as never);

    const results = await Promise.all([service.sync(claimed(a.id)), service.sync(claimed(b.id))]);

    expect(erp.creates).toBe(1);
    expect(results.map((r) => r.outcome)).toEqual(['activated', 'activated']);
    const ids = results.map((r) => (r.outcome === 'activated' ? r.erpVendorId : null));
    expect(ids[0]).toBe(ids[1]);
    const rows = (await db.query('SELECT id FROM sandbox_vendors WHERE tax_number = $1', [a.taxRegistrationNumber])).rows;
    expect(rows).toEqual([{ id: ids[0] }]);
    expect(fake.specProblems()).toEqual([]);
  });

  it('R8: an activation refused with a 4xx after it was applied (lost answer, retried) counts as done', async () => {
    const v = vendorData();
    fake.state.addVendor(v as never);
    // The first try reached Pleo; its answer was lost and the retry was refused.
    const retriedAfterLoss = (pleo: PleoVendorsClient) => Object.create(pleo, {
      activateVendor: {
        value: async (id: string, body: { externalId: string; code?: string }) => {
          await pleo.activateVendor(id, body);
          throw new PleoApiError(409, 'conflict', 'Vendor is already active', 'POST', `v1/vendors/${id}:activate`);
        },
      },
    }) as PleoVendorsClient;
    const refused = serviceWith((conn) => ({ erp, pleoVendors: retriedAfterLoss(conn.pleoVendors) }));

    const result = await refused.sync(claimed(v.id));

    expect(result.outcome).toBe('activated');
    const link = (await db.query('SELECT * FROM vendor_links WHERE pleo_vendor_id = $1', [v.id])).rows[0];
    expect(link.activated_at).not.toBeNull();
    expect(fake.state.vendors.get(v.id)).toMatchObject({ state: 'ACTIVE', externalId: link.erp_vendor_id });
  });

  it('R8: a 4xx on activation when Pleo does not have it active stays an error', async () => {
    const v = vendorData();
    fake.state.addVendor(v as never);
    const svc = serviceWith((conn) => ({
      erp,
      pleoVendors: Object.create(conn.pleoVendors, {
        activateVendor: { value: async () => Promise.reject(new PleoApiError(400, 'bad_request', 'no', 'POST', 'x')) },
      }) as PleoVendorsClient,
    }));
    await expect(svc.sync(claimed(v.id))).rejects.toBeInstanceOf(PleoApiError);
  });
});
