import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export interface VendorLinkInput {
  pleoVendorId: string;
  companyId: string;
  erpKind: string;
  erpVendorId: string;
  erpCode: string | null;
}

@Injectable()
export class VendorLinkRepository {
  constructor(private readonly prisma: PrismaService) {}

  find(pleoVendorId: string) {
    return this.prisma.vendorLink.findUnique({ where: { pleoVendorId } });
  }

  save(link: VendorLinkInput) {
    return this.prisma.vendorLink.upsert({
      where: { pleoVendorId: link.pleoVendorId },
      create: link,
      update: { erpKind: link.erpKind, erpVendorId: link.erpVendorId, erpCode: link.erpCode },
    });
  }

  async markActivated(pleoVendorId: string): Promise<void> {
    await this.prisma.vendorLink.update({ where: { pleoVendorId }, data: { activatedAt: new Date() } });
  }
}
