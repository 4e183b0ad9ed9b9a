import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { ConnectionRepository, ConnectionResolver, ConnectionUnavailable } from '@app/connections';
import { EventProducer } from '@app/queue';
import { PeriodicTask } from '@app/runtime';

/**
 * The fallback Pleo recommends (design §2.5): at start (recovery) and every
 * EXPORT_POLL_INTERVAL_SECONDS, list each company's pending and in-progress export jobs and queue
 * an export run where there are any — so a job whose webhook never arrived is still exported.
 */
@Injectable()
export class ExportPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExportPoller.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: WorkerConfig,
    private readonly prisma: PrismaService,
    private readonly connections: ConnectionResolver,
    private readonly stored: ConnectionRepository,
    private readonly producer: EventProducer,
  ) {
    this.task = new PeriodicTask(this.logger, 'export poll', config.EXPORT_POLL_INTERVAL_SECONDS * 1000, async () => {
      const queued = await this.pollOnce();
      return queued.length ? `export jobs waiting for ${queued.length} company(ies): runs queued` : undefined;
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.worksOn('export-sync')) this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** Every stored connection's company, and the default connection's: PLEO_COMPANY_IDS, else those seen in webhooks. */
  async companies(): Promise<string[]> {
    const stored = (await this.stored.list()).map((c) => c.companyId);
    if (this.config.PLEO_COMPANY_IDS.length) return [...new Set([...stored, ...this.config.PLEO_COMPANY_IDS])];
    const rows = await this.prisma.$queryRaw<{ company_id: string }[]>`
      SELECT DISTINCT company_id FROM webhook_events WHERE company_id IS NOT NULL AND status <> 'IGNORED'`;
    return [...new Set([...stored, ...rows.map((r) => r.company_id)])];
  }

  /** Returns the companies a run was queued for. */
  async pollOnce(): Promise<string[]> {
    const queued: string[] = [];
    for (const companyId of await this.companies()) {
      try {
        const next = await this.connections.run(companyId, (conn) => conn.pleoExports.listJobs(companyId, ['pending', 'in_progress']).next());
        if (next.done) continue;
        await this.producer.enqueueCompanyRun(companyId);
        queued.push(companyId);
      } catch (err) {
        // needs re-authorisation or disabled: skipped, and shown on GET /admin/connections
        if (err instanceof ConnectionUnavailable) continue;
        this.logger.warn(`export poll for company ${companyId} failed: ${(err as Error).message}`);
      }
    }
    return queued;
  }
}
