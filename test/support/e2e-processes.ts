import { randomUUID } from 'node:crypto';
import { post } from './harness';
import { API_MAIN, Spawned, WORKER_MAIN, freePort, spawnNode } from './processes';
import { signedHeaders } from './sign';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET } from './test-env';

/** Calls a fake's /_fake control API: GET without a body, a JSON POST with one; the parsed answer (undefined when empty). */
export const controlClient =
  (baseUrl: string) =>
  async (p: string, body?: unknown): Promise<any> => {
    const init = body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const text = await (await fetch(`${baseUrl}${p}`, init)).text();
    return text ? JSON.parse(text) : undefined;
  };

/** What the built api and worker processes share: the test database and Redis, a queue prefix, info logs. */
export const processEnv = (prefix: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: TEST_DATABASE_URL,
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'info',
  ...overrides,
});

/** The built api as a process on a free port, with the tests' webhook secret and admin token, once it has started. */
export async function spawnApi(env: Record<string, string>): Promise<{ url: string; process: Spawned }> {
  const port = await freePort();
  const api = spawnNode(API_MAIN, { ...env, PORT: String(port), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
  await api.waitForOutput(/Nest application successfully started/);
  return { url: `http://127.0.0.1:${port}`, process: api };
}

/** The built worker as a process, once it takes vendor-sync jobs. */
export async function spawnWorker(env: Record<string, string>, timeoutMs?: number): Promise<Spawned> {
  const worker = spawnNode(WORKER_MAIN, env);
  await worker.waitForOutput(/processing vendor-sync/, timeoutMs);
  return worker;
}

/** A signed v1.vendor.created webhook for this vendor, posted to the api. */
export function sendVendorCreated(apiUrl: string, data: object) {
  const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: randomUUID() });
  return post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body));
}

/** Kills (SIGKILL) every process that was started (for afterAll: unset ones are skipped). */
export async function killAll(processes: (Spawned | undefined)[]): Promise<void> {
  await Promise.all(processes.filter((p): p is Spawned => Boolean(p)).map((p) => p.stop('SIGKILL')));
}
