import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { ConnectionRepository, ConnectionResolver, ConnectionUnavailable } from '@app/connections';
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
    /** the environment's connection's client */
    private readonly pleo: PleoExportClient,
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

  /**
   * The companies with pending or in-progress jobs (F-8). The environment's connection: one listing
   * without `company_id` (the credentials' own company for an API key, every installed company for
   * an OAuth app), grouped by `companyId`; PLEO_COMPANY_IDS, when set, narrows it. Each stored
   * connection: its own company with its own credentials (skipped while it waits for a person —
   * GET /admin/connections shows why).
   */
  async companiesWithJobs(): Promise<string[]> {
    const only = new Set(this.config.PLEO_COMPANY_IDS.map((id) => id.toLowerCase()));
    const found = new Set<string>();
    for (const connection of await this.stored.list()) {
      try {
        const next = await this.connections.run(connection.companyId, (conn) => conn.pleoExports.listJobs(connection.companyId, ['pending', 'in_progress']).next());
        if (!next.done) found.add(connection.companyId.toLowerCase());
      } catch (err) {
        if (!(err instanceof ConnectionUnavailable)) this.logger.warn(`export poll for connection ${connection.id} failed: ${(err as Error).message}`);
      }
    }
    try {
      for await (const job of this.pleo.listJobs(undefined, ['pending', 'in_progress'])) {
        const companyId = job.companyId.toLowerCase(); // one spelling: one queued run per company
        if (!only.size || only.has(companyId)) found.add(companyId);
      }
    } catch (err) {
      if (!found.size) throw err;
      this.logger.warn(`export poll with the environment's credentials failed: ${(err as Error).message}`);
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
