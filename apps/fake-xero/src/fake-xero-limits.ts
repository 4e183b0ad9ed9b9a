export interface XeroLimitSettings {
  /** calls per tenant per rolling minute (Xero: 60) */
  perMinute: number;
  /** calls per tenant per rolling day (Xero: 5,000) */
  perDay: number;
  /** calls in flight per tenant (Xero: 5) */
  concurrent: number;
  /** calls per app per minute across tenants (Xero: 10,000) */
  appPerMinute: number;
}

export const XERO_LIMITS: XeroLimitSettings = { perMinute: 60, perDay: 5000, concurrent: 5, appPerMinute: 10_000 };

const MINUTE = 60_000;
const DAY = 86_400_000;

export type Admission = { ok: true; release: () => void; headers: Record<string, string> } | { ok: false; problem: 'minute' | 'day' | 'concurrent' | 'appminute'; retryAfterSeconds: number; headers: Record<string, string> };

/**
 * Xero's limits per tenant (rolling minute, rolling day, calls in flight) and per app, with the
 * headers Xero sends on every answer (`X-MinLimit-Remaining`, `X-DayLimit-Remaining`,
 * `X-AppMinLimit-Remaining`) and, on a 429, `Retry-After` and `X-Rate-Limit-Problem`.
 * A refused call is not counted.
 */
export class FakeXeroLimits {
  settings: XeroLimitSettings;
  private readonly calls = new Map<string, number[]>();
  private readonly appCalls: number[] = [];
  private readonly inFlight = new Map<string, number>();
  /** 429s handed out, by problem */
  readonly refusals: Record<string, number> = { minute: 0, day: 0, concurrent: 0, appminute: 0 };
  peakConcurrent = 0;

  constructor(
    settings: Partial<XeroLimitSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...XERO_LIMITS, ...settings };
  }

  admit(tenantId: string): Admission {
    const t = this.now();
    const calls = (this.calls.get(tenantId) ?? []).filter((at) => at > t - DAY);
    this.calls.set(tenantId, calls);
    while (this.appCalls.length && this.appCalls[0] <= t - MINUTE) this.appCalls.shift();
    const lastMinute = calls.filter((at) => at > t - MINUTE);
    const flying = this.inFlight.get(tenantId) ?? 0;
    const s = this.settings;
    const remaining = (minute: number, day: number, app: number) => ({
      'x-minlimit-remaining': String(Math.max(0, s.perMinute - minute)),
      'x-daylimit-remaining': String(Math.max(0, s.perDay - day)),
      'x-appminlimit-remaining': String(Math.max(0, s.appPerMinute - app)),
    });
    const refuse = (problem: 'minute' | 'day' | 'concurrent' | 'appminute', oldest: number | undefined, window: number): Admission => {
      this.refusals[problem]++;
      const retryAfterSeconds = oldest === undefined ? 1 : Math.max(1, Math.ceil((oldest + window - t) / 1000));
      return { ok: false, problem, retryAfterSeconds, headers: remaining(lastMinute.length, calls.length, this.appCalls.length) };
    };
    if (calls.length >= s.perDay) return refuse('day', calls[calls.length - s.perDay], DAY);
    if (lastMinute.length >= s.perMinute) return refuse('minute', lastMinute[lastMinute.length - s.perMinute], MINUTE);
    if (this.appCalls.length >= s.appPerMinute) return refuse('appminute', this.appCalls[this.appCalls.length - s.appPerMinute], MINUTE);
    if (flying >= s.concurrent) return refuse('concurrent', undefined, 0);
    calls.push(t);
    this.appCalls.push(t);
    this.inFlight.set(tenantId, flying + 1);
    this.peakConcurrent = Math.max(this.peakConcurrent, flying + 1);
    let released = false;
    return {
      ok: true,
      headers: remaining(lastMinute.length + 1, calls.length, this.appCalls.length),
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(tenantId, (this.inFlight.get(tenantId) ?? 1) - 1);
      },
    };
  }
}
