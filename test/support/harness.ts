import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { ApiConfig, WorkerConfig } from '@app/config';
import { QueueName } from '@app/queue';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { TEST_DATABASE_URL, TEST_REDIS_URL, apiConfig, workerConfig } from './test-env';

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  config: ApiConfig;
  close(): Promise<void>;
}

export async function startApi(overrides: Record<string, string> = {}): Promise<RunningApi> {
  const config = apiConfig(overrides);
  const app = await createApiApp(config);
  await app.listen({ port: config.PORT, host: '127.0.0.1' }); // PORT is 0 (any free port) unless a test needs to know it first
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, config, close: () => app.close() };
}

export interface RunningWorker {
  app: INestApplicationContext;
  config: WorkerConfig;
  close(): Promise<void>;
}

export async function startWorker(overrides: Record<string, string> = {}): Promise<RunningWorker> {
  const config = workerConfig(overrides);
  const app = await createWorkerApp(config);
  await app.init();
  return { app, config, close: () => app.close() };
}

/** Direct access to the test database, to check what the service stored (not through its code). */
export const testDb = () => new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });

/** Direct access to the real Redis queues under a test's prefix. */
export function inspectQueue(name: QueueName, prefix: string): Queue {
  const url = new URL(TEST_REDIS_URL);
  return new Queue(name, { connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix });
}

/** Deletes every Redis key under a test's queue prefix (run in afterAll). */
export async function dropQueuePrefix(prefix: string): Promise<void> {
  const client = new IORedis(TEST_REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await client.quit();
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
