import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export interface VendorLinkInput {
  pleoVendorId: string;
  companyId: string;
  erpKind: string;
  erpVendorId: string;
  erpCode: string | null;
  /** the ERP target the vendor id is valid in ("<kind>:<connection key>") */
  erpTarget: string;
}

@Injectable()
export class VendorLinkRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The vendor's link, only if it is valid in this ERP target (finding 2): a link to another target's
   * vendor id is no link here. A link from before targets were recorded counts when its kind matches.
   */
  async find(pleoVendorId: string, target: { erpTarget: string; erpKind: string }) {
    const link = await this.prisma.vendorLink.findUnique({ where: { pleoVendorId } });
    if (!link) return null;
    const valid = link.erpTarget === target.erpTarget || (link.erpTarget === '' && link.erpKind === target.erpKind);
    return valid ? link : null;
  }

  save(link: VendorLinkInput) {
    return this.prisma.vendorLink.upsert({
      where: { pleoVendorId: link.pleoVendorId },
      create: link,
      update: { erpKind: link.erpKind, erpVendorId: link.erpVendorId, erpCode: link.erpCode, erpTarget: link.erpTarget },
    });
  }

  async markActivated(pleoVendorId: string): Promise<void> {
    await this.prisma.vendorLink.update({ where: { pleoVendorId }, data: { activatedAt: new Date() } });
  }
}
