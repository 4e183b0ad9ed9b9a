import { VendorLinkRepository } from '@app/database';
import { ErpAdapter, ErpError, ErpVendor, OperationContext } from '@app/erp';
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
  erp: Pick<ErpAdapter, 'kind' | 'findVendor'>,
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

/**
 * resolveErpVendor once per vendor for one export run: a job's bills name the same few vendors
 * many times, and each look-up is an ERP call (Xero: one of its 60 a minute). Items resolving the
 * same vendor at once share the one look-up; a look-up that failed (ERP unavailable) is not kept,
 * so the next item asks again.
 */
export class RunVendorResolver {
  private readonly resolved = new Map<string, Promise<string | undefined>>();
  /** vendors read ahead by the ERP's id (null: the ERP has no active vendor with that id) */
  private readonly readAhead = new Map<string, ErpVendor | null>();
  /** the ERP as resolveErpVendor sees it: a look-up by id alone is answered from what was read ahead */
  private readonly view: Pick<ErpAdapter, 'kind' | 'findVendor'>;

  constructor(
    private readonly erp: ErpAdapter,
    private readonly links: VendorLinkRepository,
    /** the ERP target links must be valid in (finding 2) */
    private readonly erpTarget: string,
  ) {
    this.view = {
      kind: erp.kind,
      findVendor: (query, ctx) => {
        const onlyId = query.id !== undefined && Object.keys(query).length === 1;
        return onlyId && this.readAhead.has(query.id!) ? Promise.resolve(this.readAhead.get(query.id!)!) : erp.findVendor(query, ctx);
      },
    };
  }

  /**
   * Reads the vendors of a page's bills by the ERP's ids in few calls, when the ERP can
   * (findVendorsByIds): a page naming 50 vendors then costs one call, not 50. A refusal that is not
   * retryable only means each vendor is looked up on its own, as without it.
   */
  async readAheadOf(vendors: ItemVendor[], ctx: OperationContext): Promise<void> {
    if (!this.erp.findVendorsByIds) return;
    const ids = [...new Set(vendors.map((v) => v.externalId).filter((id): id is string => !!id))].filter((id) => !this.readAhead.has(id));
    if (!ids.length) return;
    try {
      const found = await this.erp.findVendorsByIds(ids, ctx);
      for (const id of ids) this.readAhead.set(id, found.get(id) ?? null);
    } catch (err) {
      if (!(err instanceof ErpError) || err.retryable) throw err;
    }
  }

  resolve(vendor: ItemVendor, companyId: string, ctx: OperationContext): Promise<string | undefined> {
    const key = JSON.stringify([companyId, vendor.id, vendor.externalId ?? null, vendor.code ?? null, vendor.taxRegistrationNumber ?? null, vendor.name]);
    let found = this.resolved.get(key);
    if (!found) {
      found = resolveErpVendor(this.view, this.links, vendor, companyId, ctx, this.erpTarget);
      this.resolved.set(key, found);
      found.catch(() => this.resolved.delete(key));
    }
    return found;
  }
}
