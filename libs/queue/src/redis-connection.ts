import IORedis, { RedisOptions } from 'ioredis';

/**
 * A connection for adding jobs. With the offline queue disabled, a command sent while Redis is down
 * fails at once instead of waiting for a reconnect, so the webhook answer is never held hostage by
 * Redis (the row is already in PostgreSQL; the sweeper enqueues it later).
 */
export function createProducerConnection(redisUrl: string, name: string): IORedis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  return new IORedis(redisUrl, options);
}

/** Injection token of the producer connection (the queues', the health checks'). */
export const PRODUCER_CONNECTION = Symbol('PRODUCER_CONNECTION');
