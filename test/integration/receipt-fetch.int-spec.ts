import { randomUUID } from 'node:crypto';
import { ReceiptFetchError, ReceiptFetcher } from '../../libs/sync/src/export/receipts/receipt-fetcher';
import { connectionRecorder, receiptServer } from '../support/recording-servers';

/** S1 / F-10: receipts are fetched from public https hosts only, bounded, and as Pleo described them. */
describe('receipt downloads are SSRF-safe and bounded (S1)', () => {
  let recorder: Awaited<ReturnType<typeof connectionRecorder>>;
  let allowed: Awaited<ReturnType<typeof receiptServer>>;
  let streamed = 0;
  let streamClosedAt = 0;

  beforeAll(async () => {
    recorder = await connectionRecorder();
    allowed = await receiptServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path.startsWith('/redirect-to/')) {
        res.writeHead(302, { location: decodeURIComponent(path.slice('/redirect-to/'.length)) }).end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (path === '/endless') {
        res.writeHead(200, { 'content-type': 'application/pdf' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (res.write(chunk)) streamed += chunk.length;
          streamed += chunk.length;
        };
        res.on('drain', pump);
        res.on('close', () => (streamClosedAt = Date.now()));
        pump();
      } else if (path === '/declared-huge') {
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(2 * 1024 * 1024 * 1024) });
        res.write('%PDF');
      } else if (path === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      } else if (path === '/down') {
        res.writeHead(503).end();
      } else if (path === '/gone') {
        res.writeHead(403).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4 receipt');
      }
    });
  });

  afterAll(async () => {
    await Promise.all([recorder.close(), allowed.close()]);
  });

  const fetcher = (maxBytes = 1024 * 1024) => new ReceiptFetcher({ maxBytes, timeoutMs: 10_000, allowedHttpHosts: [allowed.host] });
  const refused = async (url: string, message: RegExp) => {
    const err = await fetcher().fetch(url, 'application/pdf').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiptFetchError);
    expect((err as ReceiptFetchError).message).toMatch(message);
    expect((err as ReceiptFetchError).retryable).toBe(false);
  };

  it('fetches from an allowed host, sending no credentials of any kind', async () => {
    const before = allowed.requests.length;
    expect((await fetcher().fetch(`${allowed.url}/r.pdf`, 'application/pdf')).toString()).toBe('%PDF-1.4 receipt');
    const headers = allowed.requests[before];
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });

  it('S1: loopback, metadata, private and unspecified addresses are refused without connecting', async () => {
    await refused(`http://127.0.0.1:${recorder.port}/r.pdf`, /over http .*https only/);
    await refused(`https://127.0.0.1:${recorder.port}/r.pdf`, /internal address 127\.0\.0\.1/);
    await refused(`https://[::1]:${recorder.port}/r.pdf`, /internal address ::1/);
    await refused(`https://[::ffff:127.0.0.1]:${recorder.port}/r.pdf`, /internal address/);
    await refused('http://169.254.169.254/latest/meta-data/iam/security-credentials/', /over http/);
    await refused('https://169.254.169.254/latest/meta-data/', /internal address 169\.254\.169\.254/);
    await refused('https://10.0.0.5/r.pdf', /internal address/);
    await refused('https://0.0.0.0/r.pdf', /internal address/);
    await refused('file:///etc/passwd', /over file/);
    await refused(`https://user:secret@example.com/r.pdf`, /credentials/);
    expect(recorder.connections).toBe(0);
  });

  it('S1: a name that resolves to loopback is refused at connect time (no DNS rebinding)', async () => {
    await refused(`https://localhost:${recorder.port}/r.pdf`, /resolves to a forbidden address/);
    expect(recorder.connections).toBe(0);
  });

  it('S1: a redirect to loopback or to the metadata address is refused at that hop', async () => {
    const via = (target: string) => `${allowed.url}/redirect-to/${encodeURIComponent(target)}`;
    await refused(via(`http://127.0.0.1:${recorder.port}/x.pdf`), /over http/);
    await refused(via(`https://127.0.0.1:${recorder.port}/x.pdf`), /internal address/);
    await refused(via('http://169.254.169.254/latest/meta-data/'), /over http/);
    await refused(via(`https://localhost:${recorder.port}/x.pdf`), /forbidden address/);
    expect(recorder.connections).toBe(0);
    // … and a chain that never ends stops after a few hops.
    await refused(`${allowed.url}/loop`, /redirects too many times/);
  });

  it('S1: an endless body is cut off while streaming, near the cap, with bounded memory', async () => {
    const cap = 1024 * 1024;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const err = await fetcher(cap).fetch(`${allowed.url}/endless`, 'application/pdf').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiptFetchError);
    expect((err as Error).message).toMatch(/larger than the 1048576 bytes allowed/);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The server stops being read from: what it managed to write is the cap plus socket buffers.
    await new Promise((r) => setTimeout(r, 300));
    expect(streamClosedAt).toBeGreaterThan(0);
    expect(streamed).toBeLessThan(cap + 16 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('S1: a declared Content-Length over the cap is refused before reading; a different type is refused', async () => {
    await refused(`${allowed.url}/declared-huge`, /more than the 1048576 allowed/);
    await refused(`${allowed.url}/html`, /served as text\/html, but Pleo describes it as application\/pdf/);
  });

  it('an expired URL (4xx) is not worth retrying; a 5xx is', async () => {
    const err = await fetcher().fetch(`${allowed.url}/gone?${randomUUID()}`, 'application/pdf').then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/answered 403/) });
    const down = await fetcher().fetch(`${allowed.url}/down`, 'application/pdf').then(() => null, (e: unknown) => e);
    expect(down).toMatchObject({ retryable: true, message: expect.stringMatching(/answered 503/) });
  });
});
