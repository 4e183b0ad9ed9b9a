import { Logger } from '@nestjs/common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { PleoUnreachable } from '../api/pleo-api.error';
import { requestTokens } from './token-endpoint';

/**
 * Review finding 4: a refresh-token grant whose outcome is unknown is not retried (Pleo rotates the
 * chain on every grant); one Pleo provably did not process is. A real HTTP server on a free port.
 */
describe('requestTokens: retries only a grant Pleo did not process', () => {
  const logger = new Logger('test');
  beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));

  async function tokenServer(answers: ((req: http.IncomingMessage, res: http.ServerResponse) => void)[]) {
    let calls = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => answers[Math.min(calls++, answers.length - 1)](req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    return { url, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) };
  }
  const ok = (_: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'at', refresh_token: 'rt2', expires_in: 3600 }));
  };
  const status = (code: number) => (_: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(code).end();
  const reset = (req: http.IncomingMessage) => req.socket.destroy();
  const settings = (tokenUrl: string) => ({ clientId: 'c', clientSecret: 's', tokenUrl, timeoutMs: 1_000 });

  it.each([
    ['a connection reset after the request was sent', reset],
    ['a 500', status(500)],
    ['a 502 from a proxy', status(502)],
  ])('%s: one request, not retried (PleoUnreachable)', async (_, answer) => {
    const server = await tokenServer([answer, ok]);
    try {
      await expect(requestTokens(settings(server.url), 'rt1', logger)).rejects.toBeInstanceOf(PleoUnreachable);
      expect(server.calls()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a 503', status(503)],
    ['a 429', status(429)],
  ])('%s (not processed): retried, and the new chain is returned', async (_, answer) => {
    const server = await tokenServer([answer, ok]);
    try {
      await expect(requestTokens(settings(server.url), 'rt1', logger)).resolves.toMatchObject({ kind: 'ok', refreshToken: 'rt2' });
      expect(server.calls()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('a refused connection (nothing sent) is retried a few times, then PleoUnreachable', async () => {
    const server = await tokenServer([ok]);
    const url = server.url;
    await server.close(); // the port is closed: every attempt is refused
    const started = Date.now();
    await expect(requestTokens(settings(url), 'rt1', logger)).rejects.toBeInstanceOf(PleoUnreachable);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // it backed off between attempts
  }, 30_000);
});
