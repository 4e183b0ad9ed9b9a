export * from './queue-names';
export * from './job-payloads';
export * from './retention';
export * from './redis-connection';
export * from './event-producer.service';
export * from './queue.module';
