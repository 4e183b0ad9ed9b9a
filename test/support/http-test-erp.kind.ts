import {
  ErpAdapter,
  ErpError,
  ErpKindDefinition,
  ErpVendor,
  ExpenseEntry,
  FileInput,
  OperationContext,
  PostedExpense,
  RateLimits,
  VendorInput,
  VendorQuery,
} from '@app/erp';

/** Test-only ERP kind that talks HTTP to FakeHttpErp, through the governed fetch the factory gives it. */
export const HTTP_TEST_KIND = 'http-test';

interface Settings {
  baseUrl: string;
  org: string;
  perWindow: number;
  windowMs: number;
  concurrent: number;
}

const limitsOf = (s: Settings): RateLimits => ({ windows: [{ limit: s.perWindow, windowMs: s.windowMs }], concurrent: s.concurrent });

class HttpTestErpAdapter implements ErpAdapter {
  readonly kind = HTTP_TEST_KIND;
  readonly capabilities: ErpAdapter['capabilities'];

  constructor(
    private readonly settings: Settings,
    private readonly fetch: typeof globalThis.fetch,
  ) {
    this.capabilities = { idempotency: 'reference', requestsPerMinute: null, postingModes: ['journal', 'accounts_payable'], vendorNameMustBeUnique: true, attachments: { supported: true } };
  }

  private async call(method: string, path: string, body?: unknown, ctx?: OperationContext): Promise<{ status: number; json: any }> {
    let res: Response;
    try {
      res = await this.fetch(`${this.settings.baseUrl}/${this.settings.org}/${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctx?.signal,
      });
    } catch (err) {
      if (err instanceof ErpError) throw err;
      throw new ErpError('unavailable', 'The test ERP cannot be reached.', { cause: err, mayHaveApplied: method !== 'GET' });
    }
    const text = await res.text();
    if (res.status === 429) {
      throw new ErpError('rate_limited', 'The test ERP is limiting our requests.', { retryAfterMs: Number(res.headers.get('retry-after') ?? 1) * 1000 });
    }
    if (res.status === 401) throw new ErpError('auth', 'The test ERP no longer accepts our credentials.');
    if (res.status >= 500) throw new ErpError('unavailable', `The test ERP answered ${res.status}.`, { mayHaveApplied: method !== 'GET' });
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }

  async verifyConnection(ctx: OperationContext): Promise<void> {
    await this.call('GET', 'ping', undefined, ctx);
  }

  async findVendor(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v) as [string, string][]);
    const { json } = await this.call('GET', `vendors?${params}`, undefined, ctx);
    return json.data;
  }

  async createVendor(input: VendorInput, ctx: OperationContext): Promise<ErpVendor> {
    const { status, json } = await this.call('POST', 'vendors', input, ctx);
    if (status === 409) throw new ErpError('conflict', `A vendor named "${input.name}" already exists.`);
    return json;
  }

  async postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    const { json } = await this.call('POST', 'entries', entry, ctx); // 409: the one posted before
    return { id: json.id, number: json.number };
  }

  async findPostedExpense(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const { json } = await this.call('GET', `entries?reference=${encodeURIComponent(reference)}`, undefined, ctx);
    return json.data;
  }

  async attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    await this.call('POST', `entries/${expenseId}/attachments`, { fileName: file.fileName, size: file.content.length }, ctx);
  }
}

export const httpTestErpKind: ErpKindDefinition = {
  kind: HTTP_TEST_KIND,
  secretNames: ['erpApiKey'],
  settingsProblems: (s) => (typeof s.baseUrl === 'string' && typeof s.org === 'string' ? [] : ['erpSettings needs baseUrl and org']),
  rateLimits: (s) => limitsOf(s as unknown as Settings),
  build: (target, deps) => new HttpTestErpAdapter(target.settings as unknown as Settings, deps.fetch),
};
