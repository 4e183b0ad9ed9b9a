import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export interface RetentionDays {
  events: number;
  exportRuns: number;
  ledger: number;
}

export type RetentionCounts = Record<keyof RetentionDays, number>;

const BATCH = 1000;
/** Per table and pass: a large backlog is worked off over several passes, never in one long lock. */
const MAX_BATCHES = 50;

/**
 * Deletes what is old enough to forget (O8), in small batches (short transactions, no long row
 * locks). Only finished things: events that are SUCCEEDED / FAILED / IGNORED, runs that finished,
 * ledger rows whose outcome is known (a POSTING row still needs reconciling and is kept).
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async purge(days: RetentionDays): Promise<RetentionCounts> {
    return {
      events: await this.batched(
        (cutoff) => this.prisma.$executeRaw`
          DELETE FROM webhook_events WHERE id IN (
            SELECT id FROM webhook_events
            WHERE status IN ('SUCCEEDED', 'FAILED', 'IGNORED') AND received_at < ${cutoff}
            LIMIT ${BATCH})`,
        days.events,
      ),
      exportRuns: await this.batched(
        (cutoff) => this.prisma.$executeRaw`
          DELETE FROM export_job_runs WHERE job_id IN (
            SELECT job_id FROM export_job_runs
            WHERE status <> 'RUNNING' AND coalesce(finished_at, updated_at) < ${cutoff}
            LIMIT ${BATCH})`,
        days.exportRuns,
      ),
      ledger:
        (await this.batched(
          (cutoff) => this.prisma.$executeRaw`
            DELETE FROM export_item_ledger WHERE (company_id, accounting_entry_id) IN (
              SELECT company_id, accounting_entry_id FROM export_item_ledger
              WHERE status IN ('POSTED', 'FAILED') AND updated_at < ${cutoff}
              LIMIT ${BATCH})`,
          days.ledger,
        )) +
        // Receipts attached by content (R9) are forgotten once their entry's ledger row is.
        (await this.batched(
          (cutoff) => this.prisma.$executeRaw`
            DELETE FROM export_receipt_ledger WHERE (company_id, accounting_entry_id, sha256) IN (
              SELECT r.company_id, r.accounting_entry_id, r.sha256 FROM export_receipt_ledger r
              WHERE r.attached_at < ${cutoff} AND NOT EXISTS (
                SELECT 1 FROM export_item_ledger l WHERE l.company_id = r.company_id AND l.accounting_entry_id = r.accounting_entry_id)
              LIMIT ${BATCH})`,
          days.ledger,
        )),
    };
  }

  private async batched(deleteBatch: (cutoff: Date) => Promise<number>, days: number): Promise<number> {
    const cutoff = new Date(Date.now() - days * 86_400_000);
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await deleteBatch(cutoff);
      total += n;
      if (n < BATCH) break;
    }
    return total;
  }
}
