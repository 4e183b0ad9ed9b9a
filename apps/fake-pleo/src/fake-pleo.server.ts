import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FakeOAuth, FakePleoState, FakeVendor, Fault } from './fake-pleo-state';
import { MatchedOperation, OpenApiSpec } from './spec-validator';
import { HttpAnswer, pageAnswer, pleoError } from './http-answer';
import { FakeExportApi } from './fake-export-api';
import { fakeControl } from './fake-control';
import { FakeOAuthAuthorize } from './fake-oauth-authorize';
import { closeHttp, listenHttp } from '../../fake-common/src/http-listener';

export interface FakePleoOptions {
  apiKey?: string;
  oauth?: { clientId: string; clientSecret: string; refreshToken: string; accessTokenTtlSeconds?: number };
  specsDir?: string;
  /** how others reach the receipt-file listener; default: the address it listens on */
  filesPublicUrl?: string;
  /** port of the receipt-file listener (a separate origin, as Pleo's file storage); 0: any free port */
  filesPort?: number;
  /** the /_fake/* control API (seeding, faults, inspection); off unless asked for (FAKE_PLEO_CONTROL=1) */
  control?: boolean;
  /** bind the API key to one company, as Pleo's API keys are: other companies' resources are 404 */
  apiKeyCompanyId?: string;
}

/**
 * A local stand-in for Pleo's API, for tests and the docker compose demo. It implements the vendor
 * endpoints the service uses, checks every request against Pleo's own OpenAPI file (and its own
 * answers too), records every call, and can be told to fail: 5xx, 429 with Retry-After, slow
 * answers, refused credentials. Control endpoints live under /_fake/.
 */
export class FakePleo {
  readonly state = new FakePleoState();
  readonly oauth?: FakeOAuth;
  private readonly vendorsSpec: OpenApiSpec;
  private readonly exportSpec: OpenApiSpec;
  readonly exports: FakeExportApi;
  readonly authorize = new FakeOAuthAuthorize(() => this.oauth);
  private server?: Server;
  url = '';

  constructor(private readonly options: FakePleoOptions = {}) {
    // beside the sources (ts), or in the repository when running from dist/
    const specs =
      options.specsDir ??
      [path.resolve(__dirname, '..', 'specs'), path.resolve(__dirname, '..', '..', '..', '..', 'apps', 'fake-pleo', 'specs')].find(
        (dir) => existsSync(path.join(dir, 'vendors-openapi.yml')),
      ) ??
      path.resolve(__dirname, '..', 'specs');
    this.vendorsSpec = OpenApiSpec.load(path.join(specs, 'vendors-openapi.yml'));
    this.exportSpec = OpenApiSpec.load(path.join(specs, 'export-openapi.yml'));
    this.exports = new FakeExportApi(options.filesPublicUrl);
    this.exports.companyScope = options.apiKeyCompanyId;
    if (options.oauth) {
      const o = options.oauth;
      this.oauth = new FakeOAuth(o.clientId, o.clientSecret, o.refreshToken, o.accessTokenTtlSeconds);
    }
  }

  get controlEnabled(): boolean {
    return !!this.options.control;
  }

  /** Where receipt files are served (a second listener: another origin than the API). */
  get filesUrl(): string {
    return this.exports.filesHost.url;
  }

  async listen(port = 0, host = '127.0.0.1', filesPort = this.options.filesPort ?? 0): Promise<string> {
    await this.exports.filesHost.listen(filesPort, host);
    ({ server: this.server, url: this.url } = await listenHttp((req, res) => void this.handle(req, res), port, host));
    return this.url;
  }

  async close(): Promise<void> {
    await closeHttp(this.server);
    await this.exports.filesHost.close();
  }

  /** Every spec problem seen so far (requests from the service, answers of the fake). */
  specProblems(): string[] {
    return [...this.state.calls.flatMap((c) => c.specProblems.map((p) => `${c.method} ${c.path}: ${p}`)), ...this.exports.filesHost.problems()];
  }

  callsTo(operationId: string) {
    return this.state.calls.filter((c) => c.operationId === operationId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let closed = false;
    res.on('close', () => (closed = !res.writableFinished));
    const raw = await readBody(req);
    let answer: HttpAnswer;
    try {
      if (url.pathname.startsWith('/_fake/')) answer = this.options.control ? fakeControl(this, req.method ?? 'GET', url, raw) : new HttpAnswer(404, { message: 'the control API is off (FAKE_PLEO_CONTROL=1)' });
      else if (url.pathname === '/oauth/token') answer = this.token(req, raw);
      else if (url.pathname === '/oauth/authorize') answer = this.authorize.authorize(url);
      else answer = await this.api(req, url, raw, () => closed);
    } catch (err) {
      answer = pleoError(500, 'INTERNAL', (err as Error).message);
    }
    if (closed) return;
    const binary = Buffer.isBuffer(answer.body);
    const payload = answer.body === undefined ? '' : binary ? (answer.body as Buffer) : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(payload.length && !binary && { 'content-type': 'application/json;charset=UTF-8' }),
      ...answer.headers,
    });
    res.end(payload);
  }

  private async api(req: IncomingMessage, url: URL, raw: string, clientGone: () => boolean): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const spec = url.pathname.startsWith('/v1/vendors') ? this.vendorsSpec : this.exportSpec;
    const op = spec.match(method, url.pathname);
    const call = { at: new Date().toISOString(), method, path: url.pathname + url.search, operationId: op?.operationId ?? null, status: 0, body: undefined as unknown, specProblems: [] as string[] };
    this.state.calls.push(call);
    const finish = (answer: HttpAnswer) => {
      call.status = answer.status;
      // injected failures (5xx, 429, 401) and dropped requests (499) are not the fake's answers to check
      if (op && answer.status < 499 && answer.status !== 429 && answer.status !== 401) {
        call.specProblems.push(...spec.validateResponse(op, answer.status, answer.body).map((p) => `fake answer: ${p}`));
      }
      return answer;
    };
    if (!op) return finish(pleoError(404, 'NOT_FOUND', `no such operation: ${method} ${url.pathname}`));

    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
      call.body = body;
    } catch {
      call.specProblems.push('request body is not JSON');
      return finish(pleoError(400, 'BAD_REQUEST', 'request body is not JSON'));
    }
    const problems = spec.validateRequest(op, url.searchParams, req.headers['content-type'], body);
    if (problems.length) {
      call.specProblems.push(...problems);
      return finish(pleoError(400, 'VALIDATION_ERROR', problems.join('; ')));
    }
    if (!this.authorised(req.headers.authorization)) return finish(pleoError(401, 'UNAUTHORIZED', 'missing or invalid credentials'));

    const fault = this.state.takeFault(op.operationId, url.pathname + url.search);
    if (fault) {
      const faulted = await this.applyFault(fault, clientGone);
      if (faulted) return finish(faulted);
    }
    if (clientGone()) return finish(new HttpAnswer(499)); // the caller gave up: nothing is applied
    const answer = this.operate(op, url, body);
    call.specProblems.push(...this.exports.problems.splice(0));
    return finish(answer);
  }

  private async applyFault(fault: Fault, clientGone: () => boolean): Promise<HttpAnswer | null> {
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (clientGone()) return new HttpAnswer(499);
    if (fault.authFailure) return pleoError(401, 'UNAUTHORIZED', 'invalid credentials');
    if (fault.status === 429) {
      return pleoError(429, 'TOO_MANY_REQUESTS', 'rate limit exceeded', { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
    }
    if (fault.status) return pleoError(fault.status, 'SERVER_ERROR', 'injected failure', fault.retryAfterSeconds ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
    return null; // a pure delay
  }

  private operate(op: MatchedOperation, url: URL, body: unknown): HttpAnswer {
    const id = op.pathParams.id;
    switch (op.operationId) {
      case 'getVendorById': {
        const vendor = this.vendor(id);
        return vendor ? new HttpAnswer(200, { data: vendor }) : new HttpAnswer(404);
      }
      case 'activateVendor': {
        const vendor = this.vendor(id);
        if (!vendor) return new HttpAnswer(404);
        const { externalId, code } = body as { externalId: string; code?: string };
        if (vendor.state !== 'DRAFT') this.exports.problems.push(`activation of an ${vendor.state} vendor (only DRAFT vendors need creating in the ERP)`);
        if (!externalId?.trim()) this.exports.problems.push('activation with an empty externalId');
        Object.assign(vendor, { state: 'ACTIVE', externalId, ...(code && { code }), updatedAt: new Date().toISOString() });
        this.state.activations.push({ vendorId: id, externalId, code, at: new Date().toISOString() });
        return new HttpAnswer(204);
      }
      case 'searchVendors':
        return this.search(url, (body ?? {}) as Record<string, unknown>);
      default:
        return this.exports.handle(op, url, body) ?? pleoError(501, 'NOT_IMPLEMENTED', `the fake does not implement ${op.operationId}`);
    }
  }

  private search(url: URL, criteria: Record<string, unknown>): HttpAnswer {
    const companyId = url.searchParams.get('company_id');
    const has = (key: string, value: string | undefined) => {
      const list = criteria[key] as string[] | undefined;
      return !list?.length || (value !== undefined && list.includes(value));
    };
    const all = [...this.state.vendors.values()].filter(
      (v) =>
        v.companyId === companyId &&
        (!this.options.apiKeyCompanyId || v.companyId === this.options.apiKeyCompanyId) &&
        has('ids', v.id) &&
        has('codes', v.code) &&
        has('externalIds', v.externalId) &&
        has('taxRegistrationNumbers', v.taxRegistrationNumber) &&
        has('states', v.state) &&
        (!criteria.name || v.name.toLowerCase().includes(String(criteria.name).toLowerCase())),
    );
    return pageAnswer(all, url, (v) => v.id);
  }

  private vendor(id: string): FakeVendor | undefined {
    const vendor = this.state.vendors.get(id);
    return vendor && (!this.options.apiKeyCompanyId || vendor.companyId === this.options.apiKeyCompanyId) ? vendor : undefined;
  }

  private authorised(header: string | undefined): boolean {
    if (!header) return false;
    const [scheme, value] = header.split(' ');
    if (scheme === 'Basic' && this.options.apiKey) {
      return Buffer.from(value ?? '', 'base64').toString() === `${this.options.apiKey}:`;
    }
    return scheme === 'Bearer' && !!this.oauth?.accepts(value ?? '');
  }

  private token(req: IncomingMessage, raw: string): HttpAnswer {
    if (!this.oauth) return new HttpAnswer(404);
    const form = new URLSearchParams(raw);
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const [id, secret] = basic.includes(':') ? basic.split(':') : [form.get('client_id'), form.get('client_secret')];
    if (id !== this.oauth.clientId || secret !== this.oauth.clientSecret) {
      return new HttpAnswer(401, { error: 'invalid_client' });
    }
    if (form.get('grant_type') === 'authorization_code') return this.authorize.exchange(form, this.oauth);
    if (form.get('grant_type') !== 'refresh_token') return new HttpAnswer(400, { error: 'unsupported_grant_type' });
    const fault = this.state.takeFault('token');
    if (fault?.status) return new HttpAnswer(fault.status, { error: 'server_error' });
    const tokens = this.oauth.refresh(form.get('refresh_token') ?? '');
    return tokens ? new HttpAnswer(200, tokens) : new HttpAnswer(400, { error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked' });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
