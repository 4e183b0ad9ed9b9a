import { VendorLinkRepository } from '@app/database';
import { ErpAdapter, ErpError, ErpVendor, VendorQuery } from '@app/erp';
import { RunVendorResolver } from './vendor-resolver';

const ctx = { correlationId: 'test', signal: new AbortController().signal };
const contact: ErpVendor = { id: '7d3c5c5e-1111-4222-8333-944445555666', code: 'pleo-vendor-1', name: 'Acme Ltd', reference: 'pleo-vendor-1', taxNumber: null };

/** An ERP that knows one vendor by its id and counts every look-up; it can be made unavailable. */
function erp() {
  const queries: VendorQuery[] = [];
  let unavailable = 0;
  const adapter = {
    kind: 'test',
    findVendor: async (query: VendorQuery) => {
      queries.push(query);
      await new Promise((r) => setImmediate(r));
      if (unavailable-- > 0) throw new ErpError('unavailable', 'the ERP is down');
      return query.id === contact.id ? contact : null;
    },
  };
  const bulk: string[][] = [];
  const withBulk = {
    ...adapter,
    findVendorsByIds: async (ids: string[]) => {
      bulk.push(ids);
      return new Map(ids.filter((id) => id === contact.id).map((id) => [id, contact]));
    },
  };
  return { adapter: adapter as unknown as ErpAdapter, bulkAdapter: withBulk as unknown as ErpAdapter, bulk, queries, failNext: (n: number) => (unavailable = n) };
}
const noLinks = { find: async () => null, save: async () => undefined } as unknown as VendorLinkRepository;
const vendor = { id: 'pleo-vendor-1', name: 'Acme Ltd', defaultCurrency: 'GBP', externalId: contact.id };

describe('RunVendorResolver', () => {
  it('looks a vendor up once for the run, also when many items ask at the same time', async () => {
    const { adapter, queries } = erp();
    const resolver = new RunVendorResolver(adapter, noLinks, 'test:default');
    const ids = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve(vendor, 'company-1', ctx)));
    expect(new Set(ids)).toEqual(new Set([contact.id]));
    expect(await resolver.resolve(vendor, 'company-1', ctx)).toBe(contact.id);
    expect(queries).toHaveLength(1);
  });

  it('keeps vendors apart: another vendor, or the same one with other identifiers, is its own look-up', async () => {
    const { adapter, queries } = erp();
    const resolver = new RunVendorResolver(adapter, noLinks, 'test:default');
    await resolver.resolve(vendor, 'company-1', ctx);
    expect(await resolver.resolve({ ...vendor, id: 'pleo-vendor-2', externalId: undefined }, 'company-1', ctx)).toBeUndefined();
    await resolver.resolve({ ...vendor, externalId: '0d3c5c5e-1111-4222-8333-944445555666' }, 'company-1', ctx);
    expect(queries.filter((q) => q.id)).toHaveLength(2);
    expect(queries.length).toBeGreaterThanOrEqual(3);
  });

  it('does not keep a failed look-up: the next item asks the ERP again', async () => {
    const { adapter, queries, failNext } = erp();
    const resolver = new RunVendorResolver(adapter, noLinks, 'test:default');
    failNext(1);
    await expect(resolver.resolve(vendor, 'company-1', ctx)).rejects.toThrow('the ERP is down');
    expect(await resolver.resolve(vendor, 'company-1', ctx)).toBe(contact.id);
    expect(queries).toHaveLength(2);
  });

  it('reads the vendors of a page ahead in one call when the ERP can: look-ups by id are answered from it', async () => {
    const { bulkAdapter, bulk, queries } = erp();
    const resolver = new RunVendorResolver(bulkAdapter, noLinks, 'test:default');
    const unknown = { ...vendor, id: 'pleo-vendor-2', externalId: '9d3c5c5e-1111-4222-8333-944445555666' };
    await resolver.readAheadOf([vendor, unknown, vendor], ctx);
    await resolver.readAheadOf([vendor], ctx); // known already: no second call
    expect(bulk).toEqual([[contact.id, unknown.externalId]]);
    expect(await resolver.resolve(vendor, 'company-1', ctx)).toBe(contact.id);
    expect(await resolver.resolve(unknown, 'company-1', ctx)).toBeUndefined();
    expect(queries.filter((q) => q.id)).toEqual([]); // no look-up by id went to the ERP
  });
});
