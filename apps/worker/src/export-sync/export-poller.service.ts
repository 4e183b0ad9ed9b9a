import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { PleoExportClient } from '@app/pleo';
import { EventProducer } from '@app/queue';

/**
 * The fallback Pleo recommends (design §2.5): at start (recovery) and every
 * EXPORT_POLL_INTERVAL_SECONDS, list each company's pending and in-progress export jobs and queue
 * an export run where there are any — so a job whose webhook never arrived is still exported.
 */
@Injectable()
export class ExportPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExportPoller.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly config: WorkerConfig,
    private readonly prisma: PrismaService,
    private readonly pleo: PleoExportClient,
    private readonly producer: EventProducer,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.worksOn('export-sync')) return;
    this.timer = setInterval(() => this.tick(), this.config.EXPORT_POLL_INTERVAL_SECONDS * 1000);
    this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.pollOnce()
      .then((queued) => queued.length && this.logger.log(`export jobs waiting for ${queued.length} company(ies): runs queued`))
      .catch((err) => this.logger.warn(`export poll failed, will retry: ${(err as Error).message}`))
      .finally(() => (this.running = undefined));
  }

  /** Companies from PLEO_COMPANY_IDS, else those seen in webhooks. */
  async companies(): Promise<string[]> {
    if (this.config.PLEO_COMPANY_IDS.length) return this.config.PLEO_COMPANY_IDS;
    const rows = await this.prisma.$queryRaw<{ company_id: string }[]>`
      SELECT DISTINCT company_id FROM webhook_events WHERE company_id IS NOT NULL AND status <> 'IGNORED'`;
    return rows.map((r) => r.company_id);
  }

  /** Returns the companies a run was queued for. */
  async pollOnce(): Promise<string[]> {
    const queued: string[] = [];
    for (const companyId of await this.companies()) {
      try {
        const next = await this.pleo.listJobs(companyId, ['pending', 'in_progress']).next();
        if (next.done) continue;
        await this.producer.enqueueCompanyRun(companyId);
        queued.push(companyId);
      } catch (err) {
        this.logger.warn(`export poll for company ${companyId} failed: ${(err as Error).message}`);
      }
    }
    return queued;
  }
}
