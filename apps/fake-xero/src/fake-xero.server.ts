import { createHash } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { FakeXeroOrg } from './fake-xero-org';
import { FakeXeroIdentity } from './fake-xero-identity';
import { FakeXeroLimits, XeroLimitSettings } from './fake-xero-limits';
import { operate } from './fake-xero-api';
import { HttpAnswer, validationException, xeroProblem } from './xero-answers';
import { XeroSpecCheck } from './xero-spec-check';
import { fakeXeroControl } from './fake-xero-control';
import { closeHttp, listenHttp } from '../../fake-common/src/http-listener';

export const API_PREFIX = '/api.xro/2.0';

export interface XeroFault {
  /** the operation it applies to (e.g. createBankTransactions); any operation when absent */
  operationId?: string;
  status?: 429 | 500 | 503;
  problem?: 'minute' | 'day' | 'concurrent';
  retryAfterSeconds?: number;
  /** the write is committed, then the connection is dropped before any answer */
  dropAfterCommit?: boolean;
  /** how many calls it hits (default 1) */
  times?: number;
}

export interface XeroCall {
  at: string;
  method: string;
  path: string;
  operationId: string | null;
  tenantId?: string;
  idempotencyKey?: string;
  status: number;
  specProblems: string[];
  replayed?: boolean;
}

export interface FakeXeroOptions {
  limits?: Partial<XeroLimitSettings>;
  /** the /_fake/* control API (off unless asked for) */
  control?: boolean;
  now?: () => number;
  /** added to every API answer (lets concurrent calls overlap, as on the real network) */
  latencyMs?: number;
}

/**
 * A local Xero for tests and demos: identity (authorize, token with rotating refresh tokens,
 * connections) and the Accounting API endpoints the service uses, every request checked against
 * Xero's spec, Xero's limits on by default, fault switches, and per-tenant organisation state.
 */
export class FakeXero {
  readonly identity: FakeXeroIdentity;
  readonly limits: FakeXeroLimits;
  readonly orgs = new Map<string, FakeXeroOrg>();
  readonly calls: XeroCall[] = [];
  readonly faults: XeroFault[] = [];
  private readonly spec = new XeroSpecCheck();
  private readonly idempotency = new Map<string, { fingerprint: string; answer: HttpAnswer }>();
  private server?: Server;
  latencyMs: number;
  url = '';

  constructor(private readonly options: FakeXeroOptions = {}) {
    this.identity = new FakeXeroIdentity(options.now);
    this.limits = new FakeXeroLimits(options.limits, options.now);
    this.latencyMs = options.latencyMs ?? 0;
  }

  get apiUrl(): string {
    return `${this.url}${API_PREFIX}`;
  }

  addOrg(org = new FakeXeroOrg()): FakeXeroOrg {
    this.orgs.set(org.tenantId, org);
    return org;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await this.spec.init();
    ({ server: this.server, url: this.url } = await listenHttp((req, res) => void this.handle(req, res), port, host));
    return this.url;
  }

  async close(): Promise<void> {
    await closeHttp(this.server);
  }

  /** Every request that the spec does not allow (tests assert there are none). */
  specProblems(): string[] {
    return this.calls.flatMap((c) => c.specProblems.map((p) => `${c.method} ${c.path}: ${p}`));
  }

  callsTo(operationId: string): XeroCall[] {
    return this.calls.filter((c) => c.operationId === operationId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    let answer: HttpAnswer | 'dropped';
    try {
      if (url.pathname.startsWith('/_fake/')) answer = this.options.control ? fakeXeroControl(this, req.method ?? 'GET', url, raw) : xeroProblem(404, 'NotFound', 'the control API is off (FAKE_XERO_CONTROL=1)');
      else if (url.pathname === '/connect/token' && req.method === 'POST') answer = this.identity.token(req.headers.authorization, raw.toString('utf8'), header(req, 'content-type'));
      else if (url.pathname === '/identity/connect/authorize' && req.method === 'GET') answer = this.identity.authorize(url, [...this.orgs.keys()]);
      else if (url.pathname === '/connections' && req.method === 'GET') answer = this.identity.connections(bearer(req), (id) => this.orgs.get(id)?.name ?? id);
      else if (url.pathname.startsWith(`${API_PREFIX}/`)) answer = await this.api(req, url, raw);
      else answer = xeroProblem(404, 'NotFound', `no such endpoint: ${req.method} ${url.pathname}`);
    } catch (err) {
      answer = xeroProblem(500, 'InternalServerError', (err as Error).message);
    }
    if (answer === 'dropped') {
      req.socket.destroy();
      return;
    }
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...(payload && { 'content-type': 'application/json; charset=utf-8' }), ...answer.headers });
    res.end(payload);
  }

  private async api(req: IncomingMessage, url: URL, raw: Buffer): Promise<HttpAnswer | 'dropped'> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_PREFIX.length);
    const op = this.spec.match(method, path);
    const key = header(req, 'idempotency-key');
    const tenantId = header(req, 'xero-tenant-id');
    const call: XeroCall = { at: new Date().toISOString(), method, path: path + url.search, operationId: op?.operationId ?? null, tenantId, idempotencyKey: key, status: 0, specProblems: [] };
    this.calls.push(call);
    const finish = (answer: HttpAnswer | 'dropped') => ((call.status = answer === 'dropped' ? 0 : answer.status), answer);
    if (!op) return finish(xeroProblem(404, 'NotFound', `no such operation: ${method} ${path}`));

    const isFile = /Attachment/.test(op.operationId) && method !== 'GET';
    let body: unknown = undefined;
    if (raw.length) {
      if (isFile) body = raw;
      else {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          call.specProblems.push('the request body is not JSON');
          return finish(validationException([], 'The request body is not valid JSON'));
        }
      }
    }
    const query = Object.fromEntries(url.searchParams);
    call.specProblems.push(...this.spec.validate(op, { method, path, query, headers: req.headers, body: isFile ? raw.toString('latin1') : body }));
    if (call.specProblems.length) return finish(validationException([], call.specProblems.join('; ')));

    const tenants = this.identity.tenantsOf(bearer(req));
    if (!tenants) return finish(xeroProblem(401, 'Unauthorized', 'AuthenticationUnsuccessful'));
    const org = tenantId ? this.orgs.get(tenantId) : undefined;
    if (!org || !tenants.includes(org.tenantId)) return finish(xeroProblem(403, 'Forbidden', 'AuthorizationUnsuccessful'));

    const admission = this.limits.admit(org.tenantId);
    if (!admission.ok) {
      return finish(xeroProblem(429, 'Too Many Requests', `rate limit exceeded: ${admission.problem}`, { ...admission.headers, 'retry-after': String(admission.retryAfterSeconds), 'x-rate-limit-problem': admission.problem }));
    }
    try {
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      const fault = this.takeFault(op.operationId);
      if (fault?.status === 429) return finish(xeroProblem(429, 'Too Many Requests', 'rate limit exceeded', { ...admission.headers, 'retry-after': String(fault.retryAfterSeconds ?? 1), 'x-rate-limit-problem': fault.problem ?? 'minute' }));
      if (fault?.status) return finish(xeroProblem(fault.status, fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error', 'injected failure'));

      const fingerprint = `${method} ${path}${url.search} ${createHash('sha256').update(raw).digest('hex')}`;
      const remembered = key ? this.idempotency.get(`${org.tenantId}:${key}`) : undefined;
      let answer: HttpAnswer;
      if (remembered && remembered.fingerprint === fingerprint) {
        call.replayed = true;
        answer = remembered.answer;
      } else if (remembered) {
        answer = validationException([], `The Idempotency-Key ${key} was already used for a different request.`);
      } else {
        answer = operate(org, op, url, body, header(req, 'content-type'));
        if (key && method !== 'GET' && answer.status < 500) this.idempotency.set(`${org.tenantId}:${key}`, { fingerprint, answer });
      }
      if (fault?.dropAfterCommit) return finish('dropped');
      return finish(new HttpAnswer(answer.status, answer.body, { ...answer.headers, ...admission.headers }));
    } finally {
      admission.release();
    }
  }

  private takeFault(operationId: string): XeroFault | undefined {
    const i = this.faults.findIndex((f) => !f.operationId || f.operationId === operationId);
    if (i < 0) return undefined;
    const fault = this.faults[i];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(i, 1);
    return fault;
  }
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
const bearer = (req: IncomingMessage) => /^Bearer (.+)$/i.exec(header(req, 'authorization') ?? '')?.[1];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
