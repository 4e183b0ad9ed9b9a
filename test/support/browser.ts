import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { Browser } from 'puppeteer-core';

/** Debian's chromium (CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const MISSING = `${CHROMIUM} is missing: the browser tests need Debian's chromium (as root: apt-get install chromium; or set CHROMIUM_PATH)`;

/**
 * Whether the browser tests can run. In CI (CI=true) a missing browser is an error, never a skip;
 * elsewhere the tests are skipped with a warning that says what to install.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(MISSING);
  console.warn(`SKIPPED: ${MISSING}`);
  return false;
}

export interface RunningBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile, nothing talking to Google. */
export async function launchBrowser(): Promise<RunningBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'console-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
