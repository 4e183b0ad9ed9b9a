import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { operate } from './bc-api';
import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany } from './bc-company';
import { bcControl } from './bc-control';
import { BcIdentity } from './bc-identity';
import { BcLimitSettings, BcLimits } from './bc-limits';
import { BcSchemas } from './bc-schemas';

export interface BcFault {
  /** only requests with this method / whose path contains this text (any when absent) */
  method?: string;
  path?: string;
  /** answer with this status before doing anything */
  status?: 429 | 500 | 503 | 504;
  /** with status 429: the Retry-After to send (none when null) */
  retryAfterSeconds?: number | null;
  /** do the write, then answer 504 ('504') or drop the connection ('drop') */
  afterCommit?: '504' | 'drop';
  /** never answer and do nothing (a post that hangs): the request ends when the client goes away */
  hang?: boolean;
  /** how many requests it hits (default 1) */
  times?: number;
}

export interface BcCall {
  at: string;
  method: string;
  path: string;
  status: number;
  user?: string;
}

export interface BcViolation {
  at: string;
  method: string;
  path: string;
  problem: string;
}

export interface FakeBusinessCentralOptions {
  limits?: Partial<BcLimitSettings>;
  /** the /__control/* API (off unless asked for: FAKE_BC_CONTROL=1) */
  control?: boolean;
  now?: () => number;
  /** added to every API answer so concurrent requests overlap as on the network */
  latencyMs?: number;
}

const API = /^\/v2\.0\/([^/]+)\/([^/]+)\/api\/v2\.0(?:\/(.*))?$/;
const TOKEN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const COMPANY = /^companies(?:\(([^)]*)\))?$/;

/**
 * A local Dynamics 365 Business Central (API v2.0) with Entra ID's client-credentials token
 * endpoint, on the real URL layout: token `POST {base}/{tenant}/oauth2/v2.0/token`, API
 * `{base}/v2.0/{tenant}/{environment}/api/v2.0/companies({id})/…`. Every write is checked against
 * hand-written JSON Schemas (apps/fake-business-central/schemas); every malformed request is
 * recorded as a violation; BC's limits (6,000 per 5 min, 5 at once) are on; fault switches.
 */
export class FakeBusinessCentral {
  readonly identity: BcIdentity;
  readonly limits: BcLimits;
  readonly schemas = new BcSchemas();
  /** `${tenantId}/${environment}` → companies */
  readonly environments = new Map<string, Map<string, BcCompany>>();
  readonly calls: BcCall[] = [];
  readonly violations: BcViolation[] = [];
  readonly faults: BcFault[] = [];
  latencyMs: number;
  url = '';
  private server?: Server;

  constructor(readonly options: FakeBusinessCentralOptions = {}) {
    this.identity = new BcIdentity(options.now);
    this.limits = new BcLimits(options.limits, options.now);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** BC_API_BASE_URL for this fake (…/v2.0, as https://api.businesscentral.dynamics.com/v2.0). */
  get apiBaseUrl(): string {
    return `${this.url}/v2.0`;
  }

  /** BC_TOKEN_URL for this fake, with {tenant} as the placeholder the real one has. */
  get tokenUrlTemplate(): string {
    return `${this.url}/{tenant}/oauth2/v2.0/token`;
  }

  tokenUrl(tenantId: string): string {
    return `${this.url}/${tenantId}/oauth2/v2.0/token`;
  }

  addCompany(tenantId: string, environment: string, company = new BcCompany()): BcCompany {
    const key = `${tenantId}/${environment}`;
    const companies = this.environments.get(key) ?? new Map<string, BcCompany>();
    companies.set(company.id, company);
    this.environments.set(key, companies);
    return company;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Calls whose path contains the text (and method, when given). */
  callsTo(pathPart: string, method?: string): BcCall[] {
    return this.calls.filter((c) => c.path.includes(pathPart) && (!method || c.method === method));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    let answer: HttpAnswer | 'dropped';
    try {
      const token = TOKEN.exec(url.pathname);
      if (url.pathname.startsWith('/__control/')) {
        answer = this.options.control ? bcControl(this, req.method ?? 'GET', url, raw) : bcError(404, BC.notFound, 'The control API is off (FAKE_BC_CONTROL=1).');
      } else if (token && req.method === 'POST') {
        const out = this.identity.token(decodeURIComponent(token[1]), header(req, 'content-type'), raw.toString('utf8'));
        if (out.problem) this.violate(req.method, url.pathname, out.problem);
        answer = out.answer;
      } else if (API.test(url.pathname)) {
        answer = await this.api(req, url, raw);
      } else {
        answer = bcError(404, BC.notFound, `No HTTP resource was found that matches the request URI ${url.pathname}.`);
      }
    } catch (err) {
      answer = bcError(500, 'Internal_ServerError', (err as Error).message);
    }
    if (answer === 'dropped') {
      req.socket.destroy();
      return;
    }
    const isRaw = Buffer.isBuffer(answer.body);
    const payload = answer.body === undefined ? '' : isRaw ? (answer.body as Buffer) : JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...(payload.length && !isRaw && { 'content-type': 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8' }), ...answer.headers });
    res.end(payload);
  }

  private violate(method: string, path: string, problem: string): void {
    this.violations.push({ at: new Date().toISOString(), method, path, problem });
  }

  private async api(req: IncomingMessage, url: URL, raw: Buffer): Promise<HttpAnswer | 'dropped'> {
    const method = req.method ?? 'GET';
    const [, tenantId, environment, rest = ''] = API.exec(url.pathname)!;
    const call: BcCall = { at: new Date().toISOString(), method, path: url.pathname + url.search, status: 0 };
    this.calls.push(call);
    const finish = (answer: HttpAnswer | 'dropped') => ((call.status = answer === 'dropped' ? 0 : answer.status), answer);

    const auth = /^Bearer (.+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    const holder = this.identity.check(auth, decodeURIComponent(tenantId));
    if (holder === 'missing') this.violate(method, call.path, 'no Authorization: Bearer header');
    if (typeof holder === 'string') {
      return finish(bcError(401, BC.authentication, holder === 'expired' ? 'The access token has expired.' : 'The server has rejected the client credentials.', { 'www-authenticate': `Bearer authorization_uri="${this.tokenUrl(tenantId)}", error="invalid_token"` }));
    }
    call.user = holder.clientId;
    const admission = this.limits.admit(holder.clientId);
    if (!admission.ok) return finish(this.tooMany(admission.retryAfterSeconds));
    try {
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      const fault = this.takeFault(method, call.path);
      if (fault?.status === 429) return finish(this.tooMany(fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds));
      if (fault?.status) return finish(bcError(fault.status, fault.status === 504 ? 'GatewayTimeout' : BC.unavailable, 'injected failure'));
      if (fault?.hang) {
        if (!req.socket.destroyed) await new Promise((r) => req.socket.once('close', r));
        return finish('dropped');
      }

      const companies = this.environments.get(`${decodeURIComponent(tenantId)}/${decodeURIComponent(environment)}`);
      if (!companies) return finish(bcError(404, 'NoEnvironment', `Environment '${environment}' does not exist for tenant ${tenantId}.`));
      const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);
      const companySeg = COMPANY.exec(segments[0] ?? '');
      const contextBase = `${this.url}/v2.0/${tenantId}/${environment}/api/v2.0`;
      if (!companySeg) {
        this.violate(method, call.path, `not under companies(...): ${segments[0] ?? '(nothing)'}`);
        return finish(bcError(404, BC.notFound, `No HTTP resource was found that matches the request URI.`));
      }
      if (segments.length === 1) {
        if (method !== 'GET') return finish(bcError(405, BC.methodNotAllowed, `'${method}' requests for 'companies' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`));
        const docs = [...companies.values()].map((c) => ({ id: c.id, systemVersion: '26.0.0.0', timestamp: 0, name: c.name, displayName: c.name, businessProfileId: '', systemCreatedAt: '2026-01-01T00:00:00Z', systemCreatedBy: '00000000-0000-0000-0000-000000000001', systemModifiedAt: '2026-01-01T00:00:00Z', systemModifiedBy: '00000000-0000-0000-0000-000000000001' }));
        if (companySeg[1] === undefined) return finish(new HttpAnswer(200, { '@odata.context': `${contextBase}/$metadata#companies`, value: docs }));
        const doc = docs.find((d) => d.id === companySeg[1].toLowerCase());
        return finish(doc ? new HttpAnswer(200, { '@odata.context': `${contextBase}/$metadata#companies/$entity`, ...doc }) : bcError(404, 'Internal_CompanyNotFound', `Cannot process the request because the company '${companySeg[1]}' cannot be found.`));
      }
      const company = companySeg[1] ? companies.get(companySeg[1].toLowerCase()) : undefined;
      if (!company) return finish(bcError(404, 'Internal_CompanyNotFound', `Cannot process the request because the company '${companySeg[1] ?? ''}' cannot be found.`));

      let body: unknown;
      const isContent = segments[segments.length - 1] === 'attachmentContent';
      if (raw.length && !isContent) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          this.violate(method, call.path, 'the request body is not JSON');
          return finish(bcError(400, BC.badRequest, 'The request body is not valid JSON.'));
        }
      }
      if ((method === 'POST' || method === 'PATCH') && !isContent && body !== undefined && !/^application\/json/i.test(header(req, 'content-type') ?? '')) {
        this.violate(method, call.path, `a JSON body sent as ${header(req, 'content-type') ?? 'no content type'}`);
        return finish(bcError(415, BC.badRequest, 'The content type of the request must be application/json.'));
      }
      const out = operate(company, this.schemas, { method, segments: segments.slice(1), query: url.searchParams, body: body ?? (method === 'PATCH' || method === 'POST' ? {} : undefined), raw, ifMatch: header(req, 'if-match'), contextBase });
      for (const v of out.violations) this.violate(method, call.path, v);
      if (fault?.afterCommit && out.wrote) return finish(fault.afterCommit === 'drop' ? 'dropped' : bcError(504, 'GatewayTimeout', 'The operation timed out.'));
      return finish(out.answer);
    } finally {
      admission.release();
    }
  }

  private tooMany(retryAfterSeconds: number | null): HttpAnswer {
    const headers: Record<string, string> = retryAfterSeconds !== null && this.limits.settings.retryAfterHeader ? { 'retry-after': String(retryAfterSeconds) } : {};
    return bcError(429, BC.tooManyRequests, 'The request was throttled: too many requests (6,000 per 5 minutes, 5 at once). Retry later.', headers);
  }

  private takeFault(method: string, path: string): BcFault | undefined {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
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

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
