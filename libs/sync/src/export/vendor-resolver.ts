import { VendorLinkRepository } from '@app/database';
import { ErpAdapter, OperationContext } from '@app/erp';
import { ExportItem } from '@app/pleo';

type ItemVendor = NonNullable<ExportItem['vendor']>;

/**
 * The ERP vendor of an accounts-payable item (F-3), most authoritative first:
 * 1. `vendor.externalId` — the ERP's own id, which Pleo holds for vendors synced from the ERP or
 *    activated by anyone;
 * 2. `vendor.code` — the ERP's vendor number;
 * 3. our VendorLink (vendors this service activated);
 * 4. the ERP by our reference (the Pleo vendor id), tax number, then name.
 * When Pleo's identifiers find a vendor and our link names another, Pleo is right: the link is
 * corrected, not trusted.
 */
export async function resolveErpVendor(
  erp: ErpAdapter,
  links: VendorLinkRepository,
  vendor: ItemVendor,
  companyId: string,
  ctx: OperationContext,
): Promise<string | undefined> {
  const link = await links.find(vendor.id);
  const byPleo =
    (vendor.externalId ? await erp.findVendor({ id: vendor.externalId }, ctx) : null) ??
    (vendor.code ? await erp.findVendor({ code: vendor.code }, ctx) : null);
  if (byPleo) {
    if (link && link.erpVendorId !== byPleo.id) {
      await links.save({ pleoVendorId: vendor.id, companyId, erpKind: erp.kind, erpVendorId: byPleo.id, erpCode: byPleo.code });
    }
    return byPleo.id;
  }
  if (link) return link.erpVendorId;
  const found = await erp.findVendor({ reference: vendor.id, taxNumber: vendor.taxRegistrationNumber || null, name: vendor.name }, ctx);
  return found?.id;
}

/**
 * resolveErpVendor once per vendor for one export run: a job's bills name the same few vendors
 * many times, and each look-up is an ERP call (Xero: one of its 60 a minute). Items resolving the
 * same vendor at once share the one look-up; a look-up that failed (ERP unavailable) is not kept,
 * so the next item asks again.
 */
export class RunVendorResolver {
  private readonly resolved = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly erp: ErpAdapter,
    private readonly links: VendorLinkRepository,
  ) {}

  resolve(vendor: ItemVendor, companyId: string, ctx: OperationContext): Promise<string | undefined> {
    const key = JSON.stringify([companyId, vendor.id, vendor.externalId ?? null, vendor.code ?? null, vendor.taxRegistrationNumber ?? null, vendor.name]);
    let found = this.resolved.get(key);
    if (!found) {
      found = resolveErpVendor(this.erp, this.links, vendor, companyId, ctx);
      this.resolved.set(key, found);
      found.catch(() => this.resolved.delete(key));
    }
    return found;
  }
}
