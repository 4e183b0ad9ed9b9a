import { Injectable } from '@nestjs/common';
import { ExportRunStatus } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

export type FinalEvent = 'completed' | 'completed_with_errors' | 'failed';

const STATUS_OF: Record<FinalEvent, ExportRunStatus> = {
  completed: 'COMPLETED',
  completed_with_errors: 'COMPLETED_WITH_ERRORS',
  failed: 'FAILED',
};

/** Export jobs as this service ran them: counts, outcome, and the final event sent exactly once. */
@Injectable()
export class ExportRunRepository {
  constructor(private readonly prisma: PrismaService) {}

  start(jobId: string, companyId: string, itemsTotal: number) {
    return this.prisma.exportJobRun.upsert({
      where: { jobId },
      create: { jobId, companyId: companyId.toLowerCase(), itemsTotal },
      update: { itemsTotal },
    });
  }

  async count(jobId: string, succeeded: number, failed: number): Promise<void> {
    await this.prisma.exportJobRun.update({
      where: { jobId },
      data: { itemsSucceeded: { increment: succeeded }, itemsFailed: { increment: failed } },
    });
  }

  /** Records the decision before it is sent, so a retry sends the same event, once. */
  async decideFinal(jobId: string, event: FinalEvent, failure?: { type: string; reason: string }) {
    return this.prisma.exportJobRun.update({
      where: { jobId },
      data: { finalEvent: event, failureReasonType: failure?.type ?? null, failureReason: failure?.reason ?? null },
    });
  }

  async markFinalSent(jobId: string): Promise<void> {
    const run = await this.prisma.exportJobRun.findUniqueOrThrow({ where: { jobId } });
    await this.prisma.exportJobRun.update({
      where: { jobId },
      data: { finalEventSentAt: new Date(), finishedAt: new Date(), status: STATUS_OF[(run.finalEvent ?? 'failed') as FinalEvent] },
    });
  }

  /**
   * Pleo ended the job itself (cancelled by the user, expired) or already holds a final state we did
   * not send: its status and reason are recorded as Pleo has them, and the job is not touched again.
   */
  async recordPleoOutcome(jobId: string, pleo: { status: FinalEvent; failureReasonType?: string | null; failureReason?: string | null }): Promise<void> {
    await this.prisma.exportJobRun.update({
      where: { jobId },
      data: {
        status: STATUS_OF[pleo.status],
        failureReasonType: pleo.failureReasonType ?? null,
        failureReason: pleo.failureReason ? `Pleo: ${pleo.failureReason}` : null,
        finishedAt: new Date(),
      },
    });
  }

  /** The company's runs still RUNNING here (for reconciling with what Pleo holds). */
  unfinished(companyId: string) {
    return this.prisma.exportJobRun.findMany({ where: { companyId: companyId.toLowerCase(), finishedAt: null }, select: { jobId: true, finalEvent: true }, take: 100 });
  }

  list(filter: { companyId?: string; status?: ExportRunStatus }, limit: number) {
    return this.prisma.exportJobRun.findMany({ where: filter, orderBy: { startedAt: 'desc' }, take: limit });
  }

  /** The outcome of each item of a job, as the item ledger holds it (an item re-run by a later job shows there). */
  items(jobId: string, limit: number) {
    return this.prisma.exportItemLedger.findMany({
      where: { jobId },
      orderBy: [{ createdAt: 'asc' }, { accountingEntryId: 'asc' }],
      take: limit,
      select: { accountingEntryId: true, companyId: true, status: true, erpId: true, erpNumber: true, erpUrl: true, failureReasonType: true, failureReason: true, reportedAt: true, updatedAt: true },
    });
  }
}
