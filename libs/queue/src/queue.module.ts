import { BullModule } from '@nestjs/bullmq';
import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import IORedis from 'ioredis';
import { CommonConfig } from '@app/config';
import { PRODUCER_CONNECTION, createProducerConnection } from './redis-connection';
import { ALL_QUEUES } from './queue-names';
import { EventProducer } from './event-producer.service';
import { DependencyChecks } from './dependency-checks';
import { RedisPolicyCheck } from './redis-policy-check';

export { PRODUCER_CONNECTION };

/** The queues share one connection that we own (BullMQ does not close a connection it was given). */
@Injectable()
class ProducerConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(PRODUCER_CONNECTION) private readonly connection: IORedis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: PRODUCER_CONNECTION,
      inject: [CommonConfig],
      useFactory: (config: CommonConfig) =>
        createProducerConnection(config.REDIS_URL, `${config.QUEUE_PREFIX}-producer`),
    },
    ProducerConnectionCloser,
  ],
  exports: [PRODUCER_CONNECTION],
})
class ProducerConnectionModule {}

@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [ProducerConnectionModule],
      inject: [PRODUCER_CONNECTION, CommonConfig],
      useFactory: (connection: IORedis, config: CommonConfig) => ({ connection, prefix: config.QUEUE_PREFIX }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [EventProducer, DependencyChecks, RedisPolicyCheck],
  exports: [EventProducer, DependencyChecks],
})
export class QueueModule {}
