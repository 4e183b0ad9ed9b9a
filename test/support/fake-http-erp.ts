import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface FakeErpLimits {
  perWindow: number;
  windowMs: number;
  concurrent: number;
}

interface Org {
  limits: FakeErpLimits;
  inFlight: number;
  maxInFlight: number;
  arrivals: number[];
  vendors: { id: string; code: string; name: string; reference: string | null; taxNumber: string | null }[];
  entries: Map<string, { id: string; number: string }>;
  /** POST /entries per reference: an entry posted twice shows here */
  posts: Map<string, number>;
  pending429?: number;
  /** every request is refused 401 (the ERP revoked our access) */
  refusing?: boolean;
}

/**
 * A small HTTP ERP for the rate governor's tests: one "organisation" per path prefix, each with the
 * limits a cloud ERP enforces (requests per sliding window, concurrent requests). A request over a
 * limit is refused with 429 and recorded as a violation: the fake is never friendlier than the ERP.
 */
export class FakeHttpErp {
  private server?: Server;
  private readonly orgs = new Map<string, Org>();
  readonly requests: { org: string; at: number; method: string; path: string; status: number }[] = [];
  readonly violations: string[] = [];
  url = '';

  constructor(private readonly latencyMs = 40) {}

  addOrg(name: string, limits: FakeErpLimits): void {
    this.orgs.set(name, { limits, inFlight: 0, maxInFlight: 0, arrivals: [], vendors: [], entries: new Map(), posts: new Map() });
  }

  /** The org's next request is refused with 429 and this Retry-After. */
  rateLimitNext(org: string, retryAfterSeconds: number): void {
    this.org(org).pending429 = retryAfterSeconds;
  }

  /** From now on the org refuses our credentials (401). */
  revokeAccess(org: string): void {
    this.org(org).refusing = true;
  }

  maxInFlight(org: string): number {
    return this.org(org).maxInFlight;
  }

  /** The most requests that arrived within any window of the org's length. */
  maxInWindow(org: string): number {
    const { arrivals, limits } = this.org(org);
    let max = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i] - arrivals[j] >= limits.windowMs) j++;
      max = Math.max(max, i - j + 1);
    }
    return max;
  }

  posts(org: string): Map<string, number> {
    return this.org(org).posts;
  }

  vendors(org: string) {
    return this.org(org).vendors;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private org(name: string): Org {
    const org = this.orgs.get(name);
    if (!org) throw new Error(`no org ${name}`);
    return org;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const [, orgName, ...rest] = url.pathname.split('/');
    const org = this.orgs.get(orgName);
    // counted when the request arrives, as an ERP counts it
    const now = Date.now();
    if (org) {
      org.arrivals.push(now);
      org.inFlight++;
      org.maxInFlight = Math.max(org.maxInFlight, org.inFlight);
    }
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => resolve(data));
    });
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ org: orgName, at: Date.now(), method: req.method ?? '', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (!org) return send(404, { error: 'no such organisation' });
    try {
      const inWindow = org.arrivals.filter((t) => now - t < org.limits.windowMs).length;
      if (org.inFlight > org.limits.concurrent || inWindow > org.limits.perWindow) {
        this.violations.push(`${orgName}: ${org.inFlight} in flight, ${inWindow} in the window`);
        return send(429, { error: 'rate limit exceeded' }, { 'retry-after': '1' });
      }
      if (org.refusing) return send(401, { error: 'invalid_token' });
      if (org.pending429 !== undefined) {
        const seconds = org.pending429;
        org.pending429 = undefined;
        return send(429, { error: 'rate limit exceeded' }, { 'retry-after': String(seconds) });
      }
      await new Promise((r) => setTimeout(r, this.latencyMs));
      const [status, payload] = this.route(org, req.method ?? 'GET', rest, url.searchParams, body ? JSON.parse(body) : undefined);
      send(status, payload);
    } finally {
      org.inFlight--;
    }
  }

  private route(org: Org, method: string, path: string[], query: URLSearchParams, body: any): [number, unknown] {
    const route = `${method} ${path.join('/')}`;
    if (route === 'GET ping') return [200, { ok: true }];
    if (route === 'GET vendors') {
      const found =
        org.vendors.find((v) => query.get('reference') && v.reference === query.get('reference')) ??
        org.vendors.find((v) => query.get('taxNumber') && v.taxNumber === query.get('taxNumber')) ??
        org.vendors.find((v) => query.get('name') && v.name.toLowerCase() === query.get('name')!.toLowerCase());
      return [200, { data: found ?? null }];
    }
    if (route === 'POST vendors') {
      if (org.vendors.some((v) => v.name.toLowerCase() === String(body.name).toLowerCase())) return [409, { error: 'duplicate name' }];
      const vendor = { id: randomUUID(), code: `V${org.vendors.length + 1}`, name: body.name, reference: body.reference ?? null, taxNumber: body.taxNumber ?? null };
      org.vendors.push(vendor);
      return [201, vendor];
    }
    if (route === 'POST entries') {
      org.posts.set(body.reference, (org.posts.get(body.reference) ?? 0) + 1);
      const existing = org.entries.get(body.reference);
      if (existing) return [409, existing];
      const entry = { id: randomUUID(), number: `E${org.entries.size + 1}` };
      org.entries.set(body.reference, entry);
      return [201, entry];
    }
    if (route === 'GET entries') return [200, { data: org.entries.get(query.get('reference') ?? '') ?? null }];
    if (method === 'POST' && path[0] === 'entries' && path[2] === 'attachments') return [204, undefined];
    return [404, { error: `no route ${route}` }];
  }
}
