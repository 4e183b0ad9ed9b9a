import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PrismaService } from '@app/database';
import { AdminTokenGuard } from './admin-token.guard';

export class SandboxListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
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
}
