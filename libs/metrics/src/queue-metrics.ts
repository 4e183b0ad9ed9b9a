import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { ALL_QUEUES } from '@app/queue';
import { QueueCounts, addQueueCountsSource } from './metrics';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;
/** Scrapes from several Prometheus servers (or a dashboard refresh) share one read of Redis. */
const CACHE_MS = 5_000;

/** Feeds pleo_erp_sync_queue_jobs from BullMQ's counts of this process's queues, read on scrape. */
@Injectable()
export class QueueMetricsCollector implements OnModuleInit, OnModuleDestroy {
  private cached?: { at: number; value: Promise<QueueCounts[]> };
  private remove?: () => void;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    const queues = ALL_QUEUES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    this.remove = addQueueCountsSource(() => {
      if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
        const value = Promise.all(queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...STATES) })));
        this.cached = { at: Date.now(), value };
        // A failed read is not cached: the next scrape tries again.
        value.catch(() => {
          if (this.cached?.value === value) this.cached = undefined;
        });
      }
      return this.cached.value;
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }
}
