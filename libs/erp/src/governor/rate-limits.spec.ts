import { rateLimitProblems, retryAfterMs } from './rate-limits';

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates; ignores what it cannot read', () => {
    const now = Date.parse('2026-11-27T07:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Fri, 27 Nov 2026 07:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Fri, 27 Nov 2026 06:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});

describe('rateLimitProblems', () => {
  it('accepts Xero’s limits and names bad ones', () => {
    expect(rateLimitProblems({ windows: [{ limit: 60, windowMs: 60_000 }, { limit: 5000, windowMs: 86_400_000 }], concurrent: 5 })).toEqual([]);
    expect(rateLimitProblems({ windows: [{ limit: 0, windowMs: 10 }], concurrent: -1 })).toHaveLength(3);
  });
});
