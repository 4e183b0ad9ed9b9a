import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export type CompanyRunStatus = 'RUNNING' | 'SUCCEEDED' | 'RETRYING' | 'FAILED';

/** The latest poller-started export run per company (O7): what it is doing and why it last failed. */
@Injectable()
export class ExportCompanyRunRepository {
  constructor(private readonly prisma: PrismaService) {}

  async started(companyId: string, attempt: number): Promise<void> {
    const data = { status: 'RUNNING', attempts: attempt, startedAt: new Date(), finishedAt: null };
    await this.prisma.exportCompanyRun.upsert({ where: { companyId }, create: { companyId, ...data }, update: data });
  }

  async ended(companyId: string, status: Exclude<CompanyRunStatus, 'RUNNING'>, lastError: string | null): Promise<void> {
    await this.prisma.exportCompanyRun.update({
      where: { companyId },
      data: { status, lastError, ...(status !== 'RETRYING' && { finishedAt: new Date() }) },
    });
  }

  list(filter: { companyId?: string; status?: CompanyRunStatus }, limit: number) {
    return this.prisma.exportCompanyRun.findMany({ where: filter, orderBy: { updatedAt: 'desc' }, take: limit });
  }
}
