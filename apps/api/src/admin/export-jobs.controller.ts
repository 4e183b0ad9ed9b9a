import { Controller, Get, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { IsEnum, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ExportCompanyRunRepository, ExportRunRepository, ExportRunStatus } from '@app/database';
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

export class ListCompanyRunsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyId?: string;

  @IsOptional()
  @IsIn(['RUNNING', 'SUCCEEDED', 'RETRYING', 'FAILED'], { message: 'status must be one of RUNNING, SUCCEEDED, RETRYING, FAILED' })
  status?: 'RUNNING' | 'SUCCEEDED' | 'RETRYING' | 'FAILED';

  @QueryLimit(500)
  limit = 50;
}

export class ListExportItemsQuery {
  @QueryLimit(1000)
  limit = 500;
}

/** Export runs: counts, outcome and whether the final event reached Pleo. */
@Controller('admin/export-jobs')
@UseGuards(AdminTokenGuard)
export class ExportJobsController {
  constructor(
    private readonly runs: ExportRunRepository,
    private readonly companyRuns: ExportCompanyRunRepository,
  ) {}

  @Get()
  async list(@Query() query: ListExportJobsQuery) {
    return { data: await this.runs.list({ companyId: query.companyId, status: query.status }, query.limit) };
  }

  /** Company runs the poller started (no webhook event tracks them): state, attempts, last error. */
  @Get('company-runs')
  async companyRunList(@Query() query: ListCompanyRunsQuery) {
    return { data: await this.companyRuns.list({ companyId: query.companyId, status: query.status }, query.limit) };
  }

  /** Each item of a job with its outcome: posted (ERP id and number) or failed (Pleo's reason type and text). */
  @Get(':jobId/items')
  async items(@Param('jobId', ParseUUIDPipe) jobId: string, @Query() query: ListExportItemsQuery) {
    return { data: await this.runs.items(jobId, query.limit) };
  }
}
