import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { PleoExportClient } from '@app/pleo';
import { EventProducer } from '@app/queue';
import { PeriodicTask } from '@app/runtime';

/**
 * The fallback Pleo recommends (design §2.5): at start (recovery) and every
 * EXPORT_POLL_INTERVAL_SECONDS, list the pending and in-progress export jobs and queue an export
 * run for each company that has any — so a job whose webhook never arrived is still exported, even
 * for a company that never sent a webhook.
 */
@Injectable()
export class ExportPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExportPoller.name);
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: WorkerConfig,
    private readonly pleo: PleoExportClient,
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

  /**
   * The companies with pending or in-progress jobs (F-8): one listing without `company_id` (the
   * credentials' own company for an API key, every installed company for an OAuth app), grouped by
   * `companyId`; PLEO_COMPANY_IDS, when set, narrows it.
   */
  async companiesWithJobs(): Promise<string[]> {
    const only = new Set(this.config.PLEO_COMPANY_IDS);
    const found = new Set<string>();
    for await (const job of this.pleo.listJobs(undefined, ['pending', 'in_progress'])) {
      if (!only.size || only.has(job.companyId)) found.add(job.companyId);
    }
    return [...found];
  }

  /** Returns the companies a run was queued for. */
  async pollOnce(): Promise<string[]> {
    const queued: string[] = [];
    let companies: string[];
    try {
      companies = await this.companiesWithJobs();
    } catch (err) {
      this.logger.warn(`export poll failed: ${(err as Error).message}`);
      return queued;
    }
    for (const companyId of companies) {
      try {
        await this.producer.enqueueCompanyRun(companyId);
        queued.push(companyId);
      } catch (err) {
        this.logger.warn(`export poll: queueing a run for company ${companyId} failed: ${(err as Error).message}`);
      }
    }
    return queued;
  }
}
