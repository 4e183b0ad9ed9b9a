export * from './queue-names';
export * from './job-payloads';
export * from './retention';
export { createProducerConnection } from './redis-connection';
export * from './redis-policy-check';
export * from './event-producer.service';
export * from './queue.module';
export * from './dependency-checks';
