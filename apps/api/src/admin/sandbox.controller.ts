import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { IsBoolean, IsOptional, Matches } from 'class-validator';
import { PrismaService } from '@app/database';
import { DEFAULT_SANDBOX_BOOK, sandboxOfflineKey } from '@app/erp';
import { AdminTokenGuard } from './admin-token.guard';
import { QueryLimit } from './query-limit';

const BOOK = /^(default|[0-9a-fA-F-]{36})$/;

/** `?connection=<id>`: that connection's book; absent or "default": the environment's connection. */
export class SandboxBookQuery {
  @IsOptional()
  @Matches(BOOK, { message: 'connection must be a connection id or default' })
  connection: string = DEFAULT_SANDBOX_BOOK;
}

export class SandboxListQuery extends SandboxBookQuery {
  @QueryLimit(1000)
  limit = 100;
}

export class AvailabilityBody {
  @IsBoolean()
  available: boolean;
}

/** A look into the sandbox ERP: what the service wrote in a connection's book. */
@Controller('admin/sandbox')
@UseGuards(AdminTokenGuard)
export class SandboxController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('vendors')
  async vendors(@Query() query: SandboxListQuery) {
    const data = await this.prisma.sandboxVendor.findMany({
      where: { book: query.connection.toLowerCase() },
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
      where: { book: query.connection.toLowerCase() },
      orderBy: { createdAt: 'desc' },
      take: query.limit,
      include: { attachments: { select: { fileName: true, mimeType: true, size: true, sha256: true, createdAt: true } } },
    });
    return { data: data.map((e) => ({ ...e, total: e.total.toString() })) };
  }

  /** Switch the simulated ERP off (it then answers like an unreachable ERP) and on again. */
  @Post('availability')
  @HttpCode(200)
  async availability(@Body() body: AvailabilityBody, @Query() query: SandboxBookQuery) {
    const value = String(!body.available);
    const key = sandboxOfflineKey(query.connection.toLowerCase());
    await this.prisma.sandboxSetting.upsert({ where: { key }, create: { key, value }, update: { value } });
    return { available: body.available };
  }
}
