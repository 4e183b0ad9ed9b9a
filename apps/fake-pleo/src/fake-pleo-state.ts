import { randomBytes } from 'node:crypto';

/** `VendorResponse` as the fake keeps it. */
export interface FakeVendor {
  id: string;
  companyId: string;
  name: string;
  defaultCurrency: string;
  state: 'DRAFT' | 'ACTIVE' | 'ARCHIVED';
  country?: string;
  registrationNumber?: string;
  taxRegistrationNumber?: string;
  code?: string;
  externalId?: string;
  accountingSystem?: string;
  createdAt: string;
  updatedAt: string;
}

export interface RecordedCall {
  at: string;
  method: string;
  path: string;
  operationId: string | null;
  status: number;
  body: unknown;
  /** what in the request (or in the fake's own answer) the OpenAPI spec does not allow */
  specProblems: string[];
}

export interface Fault {
  /** operationId (e.g. activateVendor) or "*" */
  operation: string;
  /** only requests whose path contains this (e.g. a vendor id) */
  pathIncludes?: string;
  /** how many matching requests it applies to */
  times: number;
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  /** answer 401 as if the credentials were wrong */
  authFailure?: boolean;
}

/** OAuth as Pleo describes it: every refresh rotates; reusing an old refresh token revokes the chain. */
export class FakeOAuth {
  current?: string;
  readonly retired = new Set<string>();
  readonly accessTokens = new Map<string, number>();
  refreshCount = 0;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    seedRefreshToken: string,
    public accessTokenTtlSeconds = 3600,
  ) {
    this.current = seedRefreshToken;
  }

  refresh(token: string): { access_token: string; refresh_token: string; expires_in: number; token_type: string } | null {
    if (!this.current || token !== this.current) {
      if (this.retired.has(token)) {
        // An old token reused: Pleo invalidates every token of the authorisation.
        this.current = undefined;
        this.accessTokens.clear();
      }
      return null;
    }
    this.retired.add(token);
    this.current = `rt_${randomBytes(16).toString('hex')}`;
    const access = `at_${randomBytes(16).toString('hex')}`;
    this.accessTokens.set(access, Date.now() + this.accessTokenTtlSeconds * 1000);
    this.refreshCount++;
    return { access_token: access, refresh_token: this.current, expires_in: this.accessTokenTtlSeconds, token_type: 'Bearer' };
  }

  accepts(accessToken: string): boolean {
    const exp = this.accessTokens.get(accessToken);
    return exp !== undefined && exp > Date.now();
  }
}

export class FakePleoState {
  readonly vendors = new Map<string, FakeVendor>();
  readonly calls: RecordedCall[] = [];
  /** activations the fake applied (a request dropped by its client before the answer is not applied) */
  readonly activations: { vendorId: string; externalId: string; code?: string; at: string }[] = [];
  faults: Fault[] = [];

  reset(): void {
    this.vendors.clear();
    this.calls.length = 0;
    this.activations.length = 0;
    this.faults = [];
  }

  /** Takes the first fault that matches this operation, if any. */
  takeFault(operationId: string, path = ''): Fault | undefined {
    const fault = this.faults.find(
      (f) => f.times > 0 && (f.operation === '*' || f.operation === operationId) && (!f.pathIncludes || path.includes(f.pathIncludes)),
    );
    if (fault) fault.times--;
    this.faults = this.faults.filter((f) => f.times > 0);
    return fault;
  }

  addVendor(input: Partial<FakeVendor> & { id: string; companyId: string; name: string }): FakeVendor {
    const now = new Date().toISOString();
    const vendor: FakeVendor = {
      defaultCurrency: 'EUR',
      state: 'DRAFT',
      createdAt: now,
      updatedAt: now,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined && v !== '')),
    } as FakeVendor;
    this.vendors.set(vendor.id, vendor);
    return vendor;
  }
}
