import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApiOutcome, operate } from './bc-api';
import { BatchAnswer, BatchOperation, batchAnswer, failedDependency, readBatch, snapshotOf } from './bc-batch';
import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany } from './bc-company';
import { bcControl } from './bc-control';
import { BcIdentity } from './bc-identity';
import { BcLimitSettings, BcLimits } from './bc-limits';
import { BcSchemas } from './bc-schemas';
import { closeHttp, listenHttp } from '../../fake-common/src/http-listener';

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
  /** let this many matching requests pass first (e.g. the second $batch of a run) */
  after?: number;
}

export interface BcCall {
  at: string;
  method: string;
  path: string;
  status: number;
  user?: string;
  /** an operation inside a $batch (the $batch itself is the request that counted) */
  inBatch?: true;
}

interface Place {
  tenantId: string;
  environment: string;
  /** …/v2.0/{tenant}/{environment}/api/v2.0 */
  serviceRoot: string;
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
  /**
   * How a `$batch` counts toward the 6,000 per 5 minutes: 'operation' (default: each operation,
   * as Microsoft's docs do not say a batch counts once) or 'request' (the batch counts once).
   */
  batchCounts?: 'operation' | 'request';
  /** added per operation inside a `$batch` (BC's own time for each; `latencyMs` is added once per request) */
  batchOperationLatencyMs?: number;
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
  batchCounts: 'operation' | 'request';
  batchOperationLatencyMs: number;
  url = '';
  private server?: Server;

  constructor(readonly options: FakeBusinessCentralOptions = {}) {
    this.identity = new BcIdentity(options.now);
    this.limits = new BcLimits(options.limits, options.now);
    this.latencyMs = options.latencyMs ?? 0;
    this.batchCounts = options.batchCounts ?? 'operation';
    this.batchOperationLatencyMs = options.batchOperationLatencyMs ?? 0;
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
    ({ server: this.server, url: this.url } = await listenHttp((req, res) => void this.handle(req, res), port, host));
    return this.url;
  }

  async close(): Promise<void> {
    await closeHttp(this.server);
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
    const serviceRoot = `${this.url}/v2.0/${tenantId}/${environment}/api/v2.0`;
    const batch = rest === '$batch' && method === 'POST' ? readBatch(header(req, 'content-type'), raw, serviceRoot) : undefined;
    // a $batch counts each operation toward the window (unless told it counts once); it is one request in flight
    const weight = batch && 'operations' in batch && this.batchCounts === 'operation' ? batch.operations.length : 1;
    const admission = this.limits.admit(holder.clientId, weight);
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
      const place = { tenantId, environment, serviceRoot };
      let out: ApiOutcome | 'dropped';
      if (batch && 'problem' in batch) {
        this.violate(method, call.path, batch.problem);
        out = { answer: bcError(400, BC.badRequest, batch.problem), violations: [], wrote: false };
      } else if (batch) {
        out = await this.runBatch(place, batch.operations, header(req, 'isolation')?.toLowerCase() === 'snapshot');
      } else {
        out = this.operation(place, { method, rest, search: url.searchParams, raw, path: call.path, contentType: header(req, 'content-type'), ifMatch: header(req, 'if-match') });
      }
      if (out === 'dropped') return finish('dropped');
      if (fault?.afterCommit && out.wrote) return finish(fault.afterCommit === 'drop' ? 'dropped' : bcError(504, 'GatewayTimeout', 'The operation timed out.'));
      return finish(out.answer);
    } finally {
      admission.release();
    }
  }

  /**
   * The operations of a `$batch`, in order, each as a request of its own (routing, schemas, ETags,
   * faults), recorded in `calls` with `inBatch`. An operation whose dependency failed answers 424;
   * with `Isolation: snapshot` one failure undoes every write of the batch.
   */
  private async runBatch(place: Place, operations: BatchOperation[], snapshot: boolean): Promise<ApiOutcome | 'dropped'> {
    const companies = this.environments.get(`${decodeURIComponent(place.tenantId)}/${decodeURIComponent(place.environment)}`);
    const undo = snapshot ? [...(companies?.values() ?? [])].map(snapshotOf) : [];
    const answers: BatchAnswer[] = [];
    let wrote = false;
    let dropAfter = false;
    for (const op of operations) {
      const failed = op.dependsOn.find((d) => (answers.find((a) => a.id === d)?.status ?? 500) >= 400);
      if (failed) {
        answers.push(failedDependency(op.id, failed));
        continue;
      }
      if (this.batchOperationLatencyMs) await new Promise((r) => setTimeout(r, this.batchOperationLatencyMs));
      const [rest, search = ''] = op.url.split('?');
      const path = `${new URL(place.serviceRoot).pathname}/${rest}${search ? `?${search}` : ''}`;
      const call: BcCall = { at: new Date().toISOString(), method: op.method, path, status: 0, inBatch: true };
      this.calls.push(call);
      const fault = this.takeFault(op.method, path);
      let answer: HttpAnswer;
      if (fault?.status === 429) answer = this.tooMany(fault.retryAfterSeconds === undefined ? 1 : fault.retryAfterSeconds);
      else if (fault?.status) answer = bcError(fault.status, fault.status === 504 ? 'GatewayTimeout' : BC.unavailable, 'injected failure');
      else {
        const raw = op.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(op.body));
        const out = this.operation(place, { method: op.method, rest, search: new URLSearchParams(search), raw, path, contentType: op.headers['content-type'], ifMatch: op.headers['if-match'] });
        wrote ||= out.wrote;
        answer = out.answer;
        if (fault?.afterCommit && out.wrote) {
          if (fault.afterCommit === 'drop') dropAfter = true;
          else answer = bcError(504, 'GatewayTimeout', 'The operation timed out.');
        }
      }
      call.status = answer.status;
      answers.push(batchAnswer(op.id, answer));
    }
    if (snapshot && answers.some((a) => a.status >= 400)) {
      for (const restore of undo) restore();
      wrote = false;
    }
    if (dropAfter) return 'dropped';
    return { answer: new HttpAnswer(200, { responses: answers }), violations: [], wrote };
  }

  /** One request under …/api/v2.0/ (on its own or inside a $batch). */
  private operation(place: Place, r: { method: string; rest: string; search: URLSearchParams; raw: Buffer; path: string; contentType?: string; ifMatch?: string }): ApiOutcome {
    const { method } = r;
    const answer = (a: HttpAnswer, wrote = false): ApiOutcome => ({ answer: a, violations: [], wrote });
    const companies = this.environments.get(`${decodeURIComponent(place.tenantId)}/${decodeURIComponent(place.environment)}`);
    if (!companies) return answer(bcError(404, 'NoEnvironment', `Environment '${place.environment}' does not exist for tenant ${place.tenantId}.`));
    const segments = r.rest.split('/').filter(Boolean).map(decodeURIComponent);
    const companySeg = COMPANY.exec(segments[0] ?? '');
    const contextBase = place.serviceRoot;
    if (!companySeg) {
      this.violate(method, r.path, `not under companies(...): ${segments[0] ?? '(nothing)'}`);
      return answer(bcError(404, BC.notFound, `No HTTP resource was found that matches the request URI.`));
    }
    if (segments.length === 1) {
      if (method !== 'GET') return answer(bcError(405, BC.methodNotAllowed, `'${method}' requests for 'companies' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`));
      const docs = [...companies.values()].map((c) => ({ id: c.id, systemVersion: '26.0.0.0', timestamp: 0, name: c.name, displayName: c.name, businessProfileId: '', systemCreatedAt: '2026-01-01T00:00:00Z', systemCreatedBy: '00000000-0000-0000-0000-000000000001', systemModifiedAt: '2026-01-01T00:00:00Z', systemModifiedBy: '00000000-0000-0000-0000-000000000001' }));
      if (companySeg[1] === undefined) return answer(new HttpAnswer(200, { '@odata.context': `${contextBase}/$metadata#companies`, value: docs }));
      const doc = docs.find((d) => d.id === companySeg[1].toLowerCase());
      return answer(doc ? new HttpAnswer(200, { '@odata.context': `${contextBase}/$metadata#companies/$entity`, ...doc }) : bcError(404, 'Internal_CompanyNotFound', `Cannot process the request because the company '${companySeg[1]}' cannot be found.`));
    }
    const company = companySeg[1] ? companies.get(companySeg[1].toLowerCase()) : undefined;
    if (!company) return answer(bcError(404, 'Internal_CompanyNotFound', `Cannot process the request because the company '${companySeg[1] ?? ''}' cannot be found.`));

    let body: unknown;
    const isContent = segments[segments.length - 1] === 'attachmentContent';
    if (r.raw.length && !isContent) {
      try {
        body = JSON.parse(r.raw.toString('utf8'));
      } catch {
        this.violate(method, r.path, 'the request body is not JSON');
        return answer(bcError(400, BC.badRequest, 'The request body is not valid JSON.'));
      }
    }
    if ((method === 'POST' || method === 'PATCH') && !isContent && body !== undefined && !/^application\/json/i.test(r.contentType ?? '')) {
      this.violate(method, r.path, `a JSON body sent as ${r.contentType ?? 'no content type'}`);
      return answer(bcError(415, BC.badRequest, 'The content type of the request must be application/json.'));
    }
    const out = operate(company, this.schemas, { method, segments: segments.slice(1), query: r.search, body: body ?? (method === 'PATCH' || method === 'POST' ? {} : undefined), raw: r.raw, ifMatch: r.ifMatch, contextBase });
    for (const v of out.violations) this.violate(method, r.path, v);
    return out;
  }

  private tooMany(retryAfterSeconds: number | null): HttpAnswer {
    const headers: Record<string, string> = retryAfterSeconds !== null && this.limits.settings.retryAfterHeader ? { 'retry-after': String(retryAfterSeconds) } : {};
    return bcError(429, BC.tooManyRequests, 'The request was throttled: too many requests (6,000 per 5 minutes, 5 at once). Retry later.', headers);
  }

  private takeFault(method: string, path: string): BcFault | undefined {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || path.includes(f.path)));
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (fault.after) {
      fault.after--;
      return undefined;
    }
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
