import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { ExportRunRepository, ExportRunStatus } from '@app/database';
import { AdminTokenGuard } from './admin-token.guard';
import { QueryLimit } from './query-limit';

export class ListExportJobsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyId?: string;

  @IsOptional()
  @IsEnum(ExportRunStatus, { message: `status must be one of ${Object.values(ExportRunStatus).join(', ')}` })
  status?: ExportRunStatus;

  @QueryLimit(500)
  limit = 50;
}

/** Export runs: counts, outcome and whether the final event reached Pleo. */
@Controller('admin/export-jobs')
@UseGuards(AdminTokenGuard)
export class ExportJobsController {
  constructor(private readonly runs: ExportRunRepository) {}

  @Get()
  async list(@Query() query: ListExportJobsQuery) {
    return { data: await this.runs.list({ companyId: query.companyId, status: query.status }, query.limit) };
  }
}
