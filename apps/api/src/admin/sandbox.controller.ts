import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { IsBoolean } from 'class-validator';
import { PrismaService } from '@app/database';
import { AdminTokenGuard } from './admin-token.guard';
import { QueryLimit } from './query-limit';

export class SandboxListQuery {
  @QueryLimit(1000)
  limit = 100;
}

export class AvailabilityBody {
  @IsBoolean()
  available: boolean;
}

/** A look into the sandbox ERP (ERP_ADAPTER=sandbox): what the service wrote there. */
@Controller('admin/sandbox')
@UseGuards(AdminTokenGuard)
export class SandboxController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('vendors')
  async vendors(@Query() query: SandboxListQuery) {
    const data = await this.prisma.sandboxVendor.findMany({
      orderBy: { createdAt: 'desc' },
      take: query.limit,
      select: { id: true, number: true, name: true, reference: true, taxNumber: true, registrationNumber: true, country: true, currency: true, createdAt: true },
    });
    return { data };
  }

  /** Journal and AP entries with their lines and attachments (metadata and checksum). */
  @Get('entries')
  async entries(@Query() query: SandboxListQuery) {
    const data = await this.prisma.sandboxEntry.findMany({
      orderBy: { createdAt: 'desc' },
      take: query.limit,
      include: { attachments: { select: { fileName: true, mimeType: true, size: true, sha256: true, createdAt: true } } },
    });
    return { data: data.map((e) => ({ ...e, total: e.total.toString() })) };
  }

  /** Switch the simulated ERP off (it then answers like an unreachable ERP) and on again. */
  @Post('availability')
  @HttpCode(200)
  async availability(@Body() body: AvailabilityBody) {
    const value = String(!body.available);
    await this.prisma.sandboxSetting.upsert({ where: { key: 'offline' }, create: { key: 'offline', value }, update: { value } });
    return { available: body.available };
  }
}
