export interface BcLimitSettings {
  /** requests per user (service principal) per sliding window (BC: 6,000 per 5 minutes) */
  perWindow: number;
  windowMs: number;
  /** requests in flight per user (BC: 5 processed at once) */
  concurrent: number;
  /** send Retry-After on a 429 (BC does not document one: tests switch it off) */
  retryAfterHeader: boolean;
}

export const BC_LIMITS: BcLimitSettings = { perWindow: 6000, windowMs: 5 * 60_000, concurrent: 5, retryAfterHeader: true };

export type Admission = { ok: true; release: () => void } | { ok: false; problem: 'window' | 'concurrent'; retryAfterSeconds: number };

/**
 * Business Central's per-user limits: a sliding 5-minute window of 6,000 requests and 5 requests
 * at once; past either the request is refused with 429 (a refused request is not counted).
 */
export class BcLimits {
  settings: BcLimitSettings;
  private readonly calls = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  readonly refusals = { window: 0, concurrent: 0 };
  peakConcurrent = 0;

  constructor(settings: Partial<BcLimitSettings> = {}, private readonly now: () => number = Date.now) {
    this.settings = { ...BC_LIMITS, ...settings };
  }

  /**
   * `weight`: how many requests of the window this one uses (a `$batch` counts each of its
   * operations unless the fake is told otherwise); it is still one request in flight. All of it
   * must fit in the window, or nothing is done.
   */
  admit(user: string, weight = 1): Admission {
    const t = this.now();
    const s = this.settings;
    const calls = (this.calls.get(user) ?? []).filter((at) => at > t - s.windowMs);
    this.calls.set(user, calls);
    if (calls.length + weight > s.perWindow) {
      this.refusals.window++;
      // the request fits once enough of the oldest have left the window (never, past the quota)
      const frees = calls[Math.min(calls.length - 1, Math.max(0, calls.length + weight - s.perWindow - 1))] ?? t;
      return { ok: false, problem: 'window', retryAfterSeconds: Math.max(1, Math.ceil((frees + s.windowMs - t) / 1000)) };
    }
    const flying = this.inFlight.get(user) ?? 0;
    if (flying >= s.concurrent) {
      this.refusals.concurrent++;
      return { ok: false, problem: 'concurrent', retryAfterSeconds: 1 };
    }
    for (let i = 0; i < weight; i++) calls.push(t);
    this.inFlight.set(user, flying + 1);
    this.peakConcurrent = Math.max(this.peakConcurrent, flying + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(user, (this.inFlight.get(user) ?? 1) - 1);
      },
    };
  }
}
