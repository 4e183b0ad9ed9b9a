import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { PrismaService, RetentionCounts, RetentionRepository, tryWithAdvisoryLock } from '@app/database';
import { PeriodicTask } from '@app/runtime';

const INTERVAL_MS = 6 * 3600 * 1000;

/**
 * Retention (O8): every few hours one worker (an advisory lock) deletes finished events, export
 * runs and ledger rows older than their RETENTION_*_DAYS.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: WorkerConfig,
    private readonly retention: RetentionRepository,
    private readonly prisma: PrismaService,
  ) {
    this.task = new PeriodicTask(new Logger(RetentionService.name), 'retention', INTERVAL_MS, async () => {
      const counts = await this.purgeOnce();
      const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : 0;
      return total ? `retention deleted ${counts!.events} event(s), ${counts!.exportRuns} export run(s), ${counts!.ledger} ledger row(s)` : undefined;
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; undefined when another worker is purging. */
  async purgeOnce(): Promise<RetentionCounts | undefined> {
    const days = {
      events: this.config.RETENTION_EVENTS_DAYS,
      exportRuns: this.config.RETENTION_EXPORT_RUNS_DAYS,
      ledger: this.config.RETENTION_LEDGER_DAYS,
    };
    return tryWithAdvisoryLock(this.prisma.pool, 'retention', () => this.retention.purge(days));
  }
}
