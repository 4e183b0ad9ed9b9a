import { randomUUID } from 'node:crypto';
import { ErpError } from '@app/erp';
import { germanVatNumber } from '../support/erp-contract';
import { BusinessCentralWorld, bcAdapter, startBusinessCentral } from '../support/fake-business-central';

/**
 * Vendor look-up against the fake Business Central (issue #11, item 2): our reference first, then
 * the tax number, then the name — and never a merge of two different vendors, since BC allows
 * duplicate names. What exists is created in the fake directly (as a bookkeeper would), and what
 * the adapter found is compared with the fake's own records.
 */
let world: BusinessCentralWorld;
const ctx = { correlationId: 'bc-vendors' };
const erp = () => bcAdapter(world, fetch, 'vendors');

/** A vendor a bookkeeper keyed into BC (no Pleo reference), as the fake stores it. */
async function keyedIn(body: Record<string, unknown>): Promise<{ id: string; number: string }> {
  const res = await world.request('POST', 'vendors', { currencyCode: 'EUR', ...body });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; number: string };
}

async function conflict(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ErpError);
  expect(err).toMatchObject({ kind: 'conflict', retryable: false });
  return (err as ErpError).message;
}

beforeAll(async () => {
  world = await startBusinessCentral();
});

afterAll(async () => {
  if (world) expect(world.violations()).toEqual([]);
  await world?.close();
});

describe('Business Central vendor look-up: reference, tax number, name; no merging', () => {
  it('our reference wins over a tax number and a name that lead to other vendors; the tax number wins over the name', async () => {
    const name = `Nordlys ${randomUUID().slice(0, 6)} ApS`;
    const tax = germanVatNumber();
    const ours = await erp().createVendor({ reference: randomUUID(), name: `${name} (ours)`, currency: 'EUR', country: 'DK' }, ctx);
    const byTax = await keyedIn({ displayName: `${name} (tax)`, taxRegistrationNumber: tax });
    const byName = await keyedIn({ displayName: name });
    expect((await erp().findVendor({ reference: ours.reference!, taxNumber: tax, name }, ctx))?.id).toBe(ours.id);
    expect((await erp().findVendor({ reference: randomUUID(), taxNumber: tax, name }, ctx))?.id).toBe(byTax.id);
    expect((await erp().findVendor({ reference: randomUUID(), taxNumber: germanVatNumber(), name }, ctx))?.id).toBe(byName.id);
  });

  it('two vendors of one name, or one name with another tax number: a conflict naming them, never one of them', async () => {
    const name = `Twin ${randomUUID().slice(0, 6)} GmbH`;
    const [a, b] = [await keyedIn({ displayName: name }), await keyedIn({ displayName: name })];
    const message = await conflict(erp().findVendor({ reference: randomUUID(), name }, ctx));
    expect(message).toContain(a.number);
    expect(message).toContain(b.number);

    const taxed = `Taxed ${randomUUID().slice(0, 6)} GmbH`;
    const theirs = germanVatNumber();
    await keyedIn({ displayName: taxed, taxRegistrationNumber: theirs });
    expect(await conflict(erp().findVendor({ reference: randomUUID(), taxNumber: germanVatNumber(), name: taxed }, ctx))).toContain(theirs);
    // the same tax number written with spaces is the same vendor
    expect((await erp().findVendor({ reference: randomUUID(), taxNumber: `${theirs.slice(0, 2)} ${theirs.slice(2)}`, name: taxed }, ctx))?.taxNumber).toBe(theirs);

    const shared = germanVatNumber();
    await keyedIn({ displayName: `Shared A ${randomUUID().slice(0, 4)}`, taxRegistrationNumber: shared });
    await keyedIn({ displayName: `Shared B ${randomUUID().slice(0, 4)}`, taxRegistrationNumber: shared });
    await conflict(erp().findVendor({ reference: randomUUID(), taxNumber: shared }, ctx));
  });

  it("quotes and ampersands in a name reach BC's $filter escaped: the vendor is found, not a refusal", async () => {
    const name = `O'Brien & Sons ${randomUUID().slice(0, 4)} #1+`;
    const created = await erp().createVendor({ reference: randomUUID(), name, currency: 'EUR' }, ctx);
    const found = await erp().findVendor({ reference: randomUUID(), name }, ctx);
    expect(found).toMatchObject({ id: created.id, name });
    expect(world.company.vendors.docs().filter((v) => v.displayName === name)).toHaveLength(1);
  });
});
