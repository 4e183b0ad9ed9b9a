import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bufferedLogDestination, flushLogs } from './log-destination';

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

describe('bufferedLogDestination (issue #14)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'log-destination-'));

  it('gathers lines into one write, and writes a lone line within the flush interval', async () => {
    const file = path.join(dir, 'interval.log');
    const destination = bufferedLogDestination({ dest: file, flushIntervalMs: 300 });
    await new Promise((r) => destination.once('ready', r));
    destination.write('{"msg":"first"}\n');
    destination.write('{"msg":"second"}\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(read(file)).toBe(''); // buffered: under minLength and before the interval
    const waited = await waitUntil(() => read(file).includes('second'), 1000);
    expect(waited).toBeLessThan(400);
    expect(read(file)).toBe('{"msg":"first"}\n{"msg":"second"}\n');
    destination.end();
  });

  it('writes a full chunk at once, without waiting for the interval', async () => {
    const file = path.join(dir, 'chunk.log');
    const destination = bufferedLogDestination({ dest: file, minLength: 64, flushIntervalMs: 60_000 });
    await new Promise((r) => destination.once('ready', r));
    const line = `{"msg":"${'x'.repeat(70)}"}\n`;
    destination.write(line);
    await waitUntil(() => read(file) === line, 1000);
    destination.end();
  });

  it('flushLogs writes what is buffered and resolves once it is written', async () => {
    const file = path.join(dir, 'flush.log');
    const destination = bufferedLogDestination({ dest: file, flushIntervalMs: 60_000 });
    await new Promise((r) => destination.once('ready', r));
    destination.write('{"msg":"before shutdown"}\n');
    await flushLogs(destination);
    expect(read(file)).toBe('{"msg":"before shutdown"}\n');
    destination.end();
  });

  it('refuses nonsense settings', () => {
    expect(() => bufferedLogDestination({ flushIntervalMs: 0 })).toThrow(/invalid log buffering/);
    expect(() => bufferedLogDestination({ minLength: -1 })).toThrow(/invalid log buffering/);
  });
});
