import { ErpVendor, OperationContext, VendorInput, VendorQuery } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { BcVendor, BcVendorCreate } from './bc-entities';
import { eqFilter, fit, isGuid, keySegment } from './bc-odata';

/**
 * Where our reference lives on a BC vendor. API v2.0's vendor (page 30010) has no free field for an
 * external id: Search Name is not on the page, and `number` (Code[20]) belongs to the vendor number
 * series and cannot hold a Pleo id (36 characters). The vendor card's Home Page (`website`, Text[80])
 * is the one free text field that BC neither validates nor fills itself and that survives renames and
 * tax-number corrections; we store `pleo:vendor:<id>` there. It only has to hold until Pleo stores
 * the vendor's `id` (externalId, the vendor's SystemId, which never changes) and `number` (code):
 * from then on those are looked up first.
 */
export const REFERENCE_PREFIX = 'pleo:vendor:';
export const referenceTag = (reference: string) => `${REFERENCE_PREFIX}${reference}`;

const normaliseTax = (taxNumber: string) => taxNumber.replace(/[\s.-]/g, '').toUpperCase();

export const toVendor = (v: BcVendor): ErpVendor => ({
  id: v.id,
  code: v.number,
  name: v.displayName,
  reference: v.website?.startsWith(REFERENCE_PREFIX) ? v.website.slice(REFERENCE_PREFIX.length) : null,
  taxNumber: v.taxRegistrationNumber || null,
});

/**
 * Pleo vendors as Business Central vendors. BC allows several vendors with one name, so a name
 * alone is trusted only when exactly one vendor has it and its tax number does not contradict the
 * Pleo vendor's: two vendors of that name, or one with another tax number, is a `conflict` a person
 * resolves — never a silent merge.
 */
export class BcVendors {
  constructor(private readonly client: BcClient) {}

  async find(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null> {
    if (query.id && isGuid(query.id)) {
      const byId = await this.client.find<BcVendor>(keySegment('vendors', query.id), `reading vendor ${query.id}`, ctx);
      if (byId) return toVendor(byId);
    }
    if (query.code) {
      const [byCode] = await this.where([['number', query.code]], ctx);
      if (byCode) return toVendor(byCode);
    }
    if (query.reference) {
      const [byReference] = await this.where([['website', referenceTag(query.reference)]], ctx);
      if (byReference) return toVendor(byReference);
    }
    if (query.taxNumber) {
      const byTax = await this.where([['taxRegistrationNumber', query.taxNumber]], ctx);
      if (byTax.length > 1) throw this.ambiguous(byTax, `tax number ${query.taxNumber}`);
      if (byTax[0]) return toVendor(byTax[0]);
    }
    if (query.name?.trim()) {
      const byName = await this.where([['displayName', query.name.trim()]], ctx);
      if (!byName.length) return null;
      const taxNumber = query.taxNumber ? normaliseTax(query.taxNumber) : null;
      const contradicting = byName.filter((v) => taxNumber && v.taxRegistrationNumber && normaliseTax(v.taxRegistrationNumber) !== taxNumber);
      if (byName.length > 1) throw this.ambiguous(byName, `the name "${query.name.trim()}"`);
      if (contradicting.length) {
        const [other] = contradicting;
        throw new ErpError(
          'conflict',
          `Business Central already has a vendor "${other.displayName}" (${other.number}) with tax number ${other.taxRegistrationNumber}, but the Pleo vendor has tax number ${query.taxNumber}. ` +
            'They are not merged: correct the tax number in Pleo or Business Central, or link the vendor in Pleo, then retry.',
        );
      }
      return toVendor(byName[0]);
    }
    return null;
  }

  async create(input: VendorInput, ctx: OperationContext): Promise<ErpVendor> {
    const name = input.name.trim();
    if (!name) throw new ErpError('validation', 'The vendor has no name; Business Central needs one.');
    const taxNumber = input.taxNumber?.trim();
    if (taxNumber && taxNumber.length > 20) throw new ErpError('validation', `The tax number ${taxNumber} is longer than Business Central's 20 characters.`);
    const body: BcVendorCreate = {
      displayName: fit(name, 100),
      website: referenceTag(input.reference),
      ...(taxNumber && { taxRegistrationNumber: taxNumber }),
      ...(input.country && { country: input.country.toUpperCase() }),
      ...(input.currency && { currencyCode: input.currency.toUpperCase() }),
    };
    const created = await this.client.post<BcVendor>('vendors', body, `creating the vendor "${name}"`, ctx);
    return toVendor(created);
  }

  private where(clauses: [string, string][], ctx: OperationContext): Promise<BcVendor[]> {
    const filter = eqFilter(clauses);
    return this.client.list<BcVendor>('vendors', `looking up vendors (${filter})`, ctx, { $filter: filter, $top: 20 });
  }

  private ambiguous(found: BcVendor[], by: string): ErpError {
    const list = found.slice(0, 5).map((v) => `${v.number} "${v.displayName}"${v.taxRegistrationNumber ? ` (${v.taxRegistrationNumber})` : ''}`).join(', ');
    return new ErpError('conflict', `Business Central has ${found.length} vendors with ${by} (${list}). Pick the right one by linking it in Pleo (its number as the vendor code), or make them distinct, then retry.`);
  }
}
