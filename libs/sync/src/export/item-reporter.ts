import { Logger } from '@nestjs/common';
import { ExportLedgerRepository } from '@app/database';
import { exportItems } from '@app/metrics';
import { ExportItemUpdate, MAX_ITEM_UPDATES_PER_CALL, PleoExportClient } from '@app/pleo';

/**
 * Reports item results to Pleo as they come: a PUT per 100 results, or sooner when the last report
 * is older than `maxIntervalMs` (each report also keeps the job from expiring). Inspects Pleo's
 * per-item errors; accepted results are marked reported in the ledger.
 */
export class ItemReporter {
  private readonly logger = new Logger('ExportReporter');
  private buffer: ExportItemUpdate[] = [];
  private lastReport = Date.now();
  calls = 0;
  rejected: { accountingEntryId: string; message: string; type: string }[] = [];

  constructor(
    private readonly pleo: PleoExportClient,
    private readonly ledger: ExportLedgerRepository,
    private readonly jobId: string,
    private readonly companyId: string,
    private readonly maxIntervalMs: number,
  ) {}

  /** Items are processed concurrently: adds and flushes are serialised so no result is sent twice. */
  private queue: Promise<void> = Promise.resolve();

  add(update: ExportItemUpdate): Promise<void> {
    return this.serial(async () => {
      exportItems.inc({ outcome: update.status, reason: update.failureReasonType ?? '' });
      this.buffer.push(update);
      if (this.buffer.length >= MAX_ITEM_UPDATES_PER_CALL || Date.now() - this.lastReport >= this.maxIntervalMs) await this.send();
    });
  }

  flush(): Promise<void> {
    return this.serial(() => this.send());
  }

  private serial(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step);
    return this.queue;
  }

  private async send(): Promise<void> {
    while (this.buffer.length) {
      const batch = this.buffer.slice(0, MAX_ITEM_UPDATES_PER_CALL);
      const { errors } = await this.pleo.updateItems(this.jobId, batch);
      this.buffer = this.buffer.slice(batch.length);
      this.calls++;
      this.lastReport = Date.now();
      const refused = new Set(errors.map((e) => e.accountingEntryId));
      if (errors.length) {
        this.rejected.push(...errors);
        this.logger.warn(`job ${this.jobId}: Pleo refused ${errors.length} item update(s): ${errors.map((e) => `${e.accountingEntryId} ${e.type}`).join(', ')}`);
      }
      await this.ledger.markReported(this.companyId, batch.map((u) => u.accountingEntryId).filter((id) => !refused.has(id)));
    }
  }
}
