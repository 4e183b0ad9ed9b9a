import { VendorLinkRepository } from '@app/database';
import { ErpAdapter, OperationContext } from '@app/erp';
import { ExportItem } from '@app/pleo';

type ItemVendor = NonNullable<ExportItem['vendor']>;

/**
 * The ERP vendor of an accounts-payable item (F-3), most authoritative first:
 * 1. `vendor.externalId` — the ERP's own id, which Pleo holds for vendors synced from the ERP or
 *    activated by anyone;
 * 2. `vendor.code` — the ERP's vendor number;
 * 3. our VendorLink (vendors this service activated), when made for this ERP target;
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
  /** the ERP target a link must be valid in (finding 2): another target's vendor id is never sent here */
  erpTarget: string,
): Promise<string | undefined> {
  const link = await links.find(vendor.id, { erpTarget, erpKind: erp.kind });
  const byPleo =
    (vendor.externalId ? await erp.findVendor({ id: vendor.externalId }, ctx) : null) ??
    (vendor.code ? await erp.findVendor({ code: vendor.code }, ctx) : null);
  if (byPleo) {
    if (link && link.erpVendorId !== byPleo.id) {
      await links.save({ pleoVendorId: vendor.id, companyId, erpKind: erp.kind, erpVendorId: byPleo.id, erpCode: byPleo.code, erpTarget });
    }
    return byPleo.id;
  }
  if (link) return link.erpVendorId;
  const found = await erp.findVendor({ reference: vendor.id, taxNumber: vendor.taxRegistrationNumber || null, name: vendor.name }, ctx);
  return found?.id;
}
