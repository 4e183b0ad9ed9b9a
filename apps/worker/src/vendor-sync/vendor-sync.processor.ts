import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { WorkerConfig } from '@app/config';
import { QueueName, WebhookEventJobData } from '@app/queue';
import { VendorSyncService } from '@app/sync';
import { EventJobRunner } from '../queue-workers/event-job-runner';
import { delayWhenMustWait } from '../queue-workers/job-wait';
import { QueueProcessor } from '../queue-workers/queue-processor';

@Injectable()
export class VendorSyncProcessor implements QueueProcessor {
  readonly queue = QueueName.VendorSync;
  readonly concurrency: number;

  constructor(
    config: WorkerConfig,
    private readonly runner: EventJobRunner,
    private readonly vendors: VendorSyncService,
  ) {
    this.concurrency = config.VENDOR_SYNC_CONCURRENCY;
  }

  process(job: Job<WebhookEventJobData>, token?: string) {
    return delayWhenMustWait(job, token, () => this.runner.run(job, (event) => this.vendors.sync(event)));
  }
}
