import path from 'node:path';
import { ROOT, Spawned, freePort, spawnNode } from './processes';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');

/** The built fake Pleo as a process of its own, with a helper for its /_fake control API. */
export async function spawnFakePleo(apiKey: string): Promise<{ url: string; process: Spawned; control(path: string, body?: unknown): Promise<any> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { FAKE_PLEO_PORT: String(port), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: apiKey, FAKE_PLEO_SEED_FILES: '' };
  // The control API is off unless asked for; receipt files are served from a second port.
  const process = spawnNode(FAKE_MAIN, { ...env, FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(await freePort()) });
  await process.waitForOutput(/fake Pleo listening/);
  const control = async (p: string, body?: unknown): Promise<any> => {
    const init = body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const text = await (await fetch(`${url}${p}`, init)).text();
    return text ? JSON.parse(text) : undefined;
  };
  return { url, process, control };
}
