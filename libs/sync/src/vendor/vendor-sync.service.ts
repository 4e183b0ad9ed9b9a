import { Injectable, Logger } from '@nestjs/common';
import { ClaimedEvent, PrismaService, VendorLinkRepository, withAdvisoryLock } from '@app/database';
import { ConnectionResolver, SyncConnection, erpTargetOf } from '@app/connections';
import { ErpError, ErpVendor, OperationContext } from '@app/erp';
import { PleoApiError, PleoVendor } from '@app/pleo';
import { SyncPermanentError } from '../sync-errors';

export type VendorSyncResult =
  | { outcome: 'activated'; erpVendorId: string; erpCode: string | null }
  | { outcome: 'already-active' | 'archived'; pleoState: string };

/**
 * Pleo → ERP for a vendor a bookkeeper created in Pleo (design §2.3):
 * re-read the vendor; if still DRAFT, find or create it in the ERP, store the link, then activate it
 * in Pleo with the ERP's id and number. Every step is safe to repeat: a retry after a crash anywhere
 * ends with one ERP vendor and one activation.
 */
@Injectable()
export class VendorSyncService {
  private readonly logger = new Logger(VendorSyncService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly links: VendorLinkRepository,
    private readonly connections: ConnectionResolver,
  ) {}

  async sync(event: ClaimedEvent): Promise<VendorSyncResult> {
    const vendorId = event.subjectId;
    if (!vendorId) throw new SyncPermanentError('The webhook carries no vendor id (data.id).');
    if (!event.companyId) throw new SyncPermanentError('The webhook carries no company id (data.companyId).');
    const ctx: OperationContext = { correlationId: event.webhookId };
    // Two webhooks for one vendor may run at once in different workers: one at a time per vendor.
    return this.connections.run(event.companyId, (conn) =>
      withAdvisoryLock(this.prisma.pool, `vendor-sync:${vendorId}`, () => this.syncLocked(conn, vendorId, ctx)),
    );
  }

  private async syncLocked(conn: SyncConnection, vendorId: string, ctx: OperationContext): Promise<VendorSyncResult> {
    const vendor = await conn.pleoVendors.getVendor(vendorId);
    if (!vendor) {
      throw new SyncPermanentError(
        `Pleo has no vendor ${vendorId}: it was deleted, or the API credentials belong to another company.`,
      );
    }
    const erpTarget = erpTargetOf(conn);
    let link = await this.links.find(vendorId, { erpTarget, erpKind: conn.erp.kind });

    if (vendor.state !== 'DRAFT') {
      // Activated already — by us before a crash (record it), or by someone else (F-3): Pleo's
      // externalId is the truth, a link that names another ERP vendor is corrected.
      if (vendor.state === 'ACTIVE' && link && vendor.externalId && link.erpVendorId !== vendor.externalId) {
        link = await this.links.save({ pleoVendorId: vendorId, companyId: vendor.companyId, erpKind: conn.erp.kind, erpVendorId: vendor.externalId, erpCode: vendor.code ?? null, erpTarget });
        this.logger.warn(`vendor ${vendorId}: Pleo has it active as ${vendor.externalId}; our link is corrected`);
      }
      if (vendor.state === 'ACTIVE' && link && !link.activatedAt) await this.links.markActivated(vendorId);
      return { outcome: vendor.state === 'ACTIVE' ? 'already-active' : 'archived', pleoState: vendor.state };
    }

    if (!link) {
      // R8: two Pleo vendors for one supplier must not both create it in an ERP that allows
      // duplicate names, so find-or-create is also serialised per company and supplier.
      const erpVendor = await withAdvisoryLock(this.prisma.pool, supplierLockKey(vendor), () => this.ensureVendor(conn, vendor, ctx));
      // Stored before Pleo is told, so a retry never creates the vendor again.
      link = await this.links.save({
        pleoVendorId: vendorId,
        companyId: vendor.companyId,
        erpKind: conn.erp.kind,
        erpVendorId: erpVendor.id,
        erpCode: erpVendor.code,
        erpTarget,
      });
    }
    // Pleo says DRAFT, so it is not active whatever our link remembers (F-14): activate, always.
    await this.activate(conn, vendorId, link.erpVendorId, link.erpCode);
    await this.links.markActivated(vendorId);
    this.logger.log(`vendor ${vendorId} activated in Pleo as ${link.erpCode ?? link.erpVendorId}`);
    return { outcome: 'activated', erpVendorId: link.erpVendorId, erpCode: link.erpCode };
  }

  /**
   * A retried `:activate` whose first try was applied may be refused with a 4xx (R8): if Pleo now has
   * the vendor ACTIVE with our ERP id, the activation happened.
   */
  private async activate(conn: SyncConnection, vendorId: string, externalId: string, code: string | null): Promise<void> {
    try {
      await conn.pleoVendors.activateVendor(vendorId, { externalId, ...(code && { code }) });
    } catch (err) {
      if (!(err instanceof PleoApiError) || err.retryable) throw err;
      const now = await conn.pleoVendors.getVendor(vendorId);
      if (now?.state !== 'ACTIVE' || now.externalId !== externalId) throw err;
      this.logger.warn(`vendor ${vendorId}: Pleo refused the activation (${err.status}) but has it active as ours`);
    }
  }

  /** Look up first (our reference, tax number, name); create only when the ERP has no match. */
  private async ensureVendor(conn: SyncConnection, vendor: PleoVendor, ctx: OperationContext): Promise<ErpVendor> {
    const query = { reference: vendor.id, taxNumber: vendor.taxRegistrationNumber || null, name: vendor.name };
    const existing = await conn.erp.findVendor(query, ctx);
    if (existing) return existing;
    try {
      return await conn.erp.createVendor(
        {
          reference: vendor.id,
          name: vendor.name,
          currency: vendor.defaultCurrency,
          country: vendor.country && vendor.country !== 'UNDEFINED' ? vendor.country : null,
          taxNumber: vendor.taxRegistrationNumber || null,
          registrationNumber: vendor.registrationNumber || null,
        },
        ctx,
      );
    } catch (err) {
      // Created meanwhile (another process, or an earlier try whose answer was lost): use that one.
      if (err instanceof ErpError && (err.kind === 'conflict' || err.mayHaveApplied)) {
        const found = await conn.erp.findVendor(query, ctx);
        if (found) return found;
      }
      throw err;
    }
  }
}

/** One supplier per company: its tax number when it has one, else its name (case and spacing ignored). */
export function supplierLockKey(vendor: Pick<PleoVendor, 'companyId' | 'taxRegistrationNumber' | 'name'>): string {
  const tax = (vendor.taxRegistrationNumber ?? '').replace(/[\s.-]/g, '').toUpperCase();
  const identity = tax ? `tax:${tax}` : `name:${vendor.name.trim().replace(/\s+/g, ' ').toLowerCase()}`;
  return `vendor-supplier:${vendor.companyId}:${identity}`;
}
