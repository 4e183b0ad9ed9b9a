import path from 'node:path';
import { controlClient } from './e2e-processes';
import { waitFor } from './harness';
import { ROOT, Spawned, freePort, spawnNode } from './processes';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');

export interface FakePleoProcess {
  url: string;
  /** the port receipt files are served from (a worker's RECEIPT_ALLOWED_HTTP_HOSTS) */
  filesPort: number;
  process: Spawned;
  /** its /_fake control API */
  control(path: string, body?: unknown): Promise<any>;
  /** An export job as the control API shows it, once it is completed, completed_with_errors or failed. */
  finished(jobId: string, timeoutMs: number): Promise<any>;
}

/** The built fake Pleo as a process of its own (control API on, nothing seeded), once it listens. */
export async function spawnFakePleo(apiKey: string): Promise<FakePleoProcess> {
  const [port, filesPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const env = { FAKE_PLEO_PORT: String(port), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: apiKey, FAKE_PLEO_SEED_FILES: '' };
  // The control API is off unless asked for; receipt files are served from a second port.
  const process = spawnNode(FAKE_MAIN, { ...env, FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(filesPort) });
  await process.waitForOutput(/fake Pleo listening/);
  const control = controlClient(url);
  const finished = (jobId: string, timeoutMs: number) =>
    waitFor(async () => {
      const state = await control(`/_fake/export-jobs/${jobId}`);
      return ['completed', 'completed_with_errors', 'failed'].includes(state.data.status) ? state : undefined;
    }, timeoutMs);
  return { url, filesPort, process, control, finished };
}
