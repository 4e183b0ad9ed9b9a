import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { PinoLogger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { logAccess, setRequestOutcome } from './access-log';
import { pinoHttpOptions } from './logging.module';

/**
 * The webhook route writes its own access-log line (issue #14); it must be the line pino-http
 * writes for the other routes: same fields in the same order, same level and words, no header.
 */
describe('logAccess', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) });
  const middleware = pinoHttp(pinoHttpOptions('info'), sink);
  let server: Server;
  let url: string;
  let ours = false;
  const originalRoot = PinoLogger.root;

  beforeAll(async () => {
    (PinoLogger as unknown as { root: unknown }).root = middleware.logger;
    let n = 0;
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const id = `req-${++n}`;
      (req as { id?: unknown }).id = id;
      const started = Date.now();
      const answer = () => {
        const status = Number(req.headers['x-status']);
        if (req.headers['x-outcome']) setRequestOutcome(res, String(req.headers['x-outcome']));
        res.statusCode = status;
        res.end('{}');
      };
      if (!ours) return middleware(req, res, answer);
      res.on('finish', () => logAccess({ req, id, res, responseTimeMs: Date.now() - started }));
      answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/pleo`;
  });

  afterAll(async () => {
    (PinoLogger as unknown as { root: unknown }).root = originalRoot;
    await new Promise((r) => server.close(r));
  });

  async function lineFor(status: number, outcome?: string): Promise<Record<string, unknown>> {
    const before = lines.length;
    await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: {
        'webhook-id': 'msg_1',
        'webhook-signature': 'v1,c2VjcmV0LXNpZ25hdHVyZQ==',
        authorization: 'Bearer secret-token',
        'x-status': String(status),
        ...(outcome && { 'x-outcome': outcome }),
      },
    });
    for (let i = 0; lines.length === before && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines.length).toBe(before + 1);
    const raw = lines[lines.length - 1];
    expect(raw).not.toMatch(/c2VjcmV0|secret-token/);
    const { time: _t, pid: _p, hostname: _h, responseTime, err, ...rest } = JSON.parse(raw);
    expect(typeof responseTime).toBe('number');
    return { ...rest, ...(err && { err: { type: err.type, message: err.message } }) };
  }

  it.each([
    [202, 'accepted'],
    [200, 'duplicate'],
    [401, 'rejected:invalid_signature'],
    [413, undefined],
    [503, 'unavailable:database'],
  ])('writes the line pino-http writes for a %i (%s)', async (status, outcome) => {
    ours = false;
    const theirs = await lineFor(status, outcome);
    ours = true;
    const mine = await lineFor(status, outcome);
    expect({ ...mine, req: { ...(mine.req as object), id: 'x' } }).toEqual({ ...theirs, req: { ...(theirs.req as object), id: 'x' } });
    expect(Object.keys(mine)).toEqual(Object.keys(theirs));
    expect(mine).toMatchObject({ req: { method: 'POST', url: '/webhooks/pleo', webhookId: 'msg_1' }, res: { statusCode: status } });
  });
});
