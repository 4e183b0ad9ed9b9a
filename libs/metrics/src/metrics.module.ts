import { Module } from '@nestjs/common';
import { QueueMetricsCollector } from './queue-metrics';

/** Import where the queues are registered (QueueModule): the queue gauges then read their counts. */
@Module({ providers: [QueueMetricsCollector] })
export class MetricsModule {}
