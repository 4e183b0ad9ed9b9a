import { elementError, validationMessages, xeroHttpError, xeroTransportError } from './xero-errors';

const answer = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });

describe('Xero errors as the port\'s taxonomy', () => {
  it('keeps the element messages of a ValidationException', () => {
    const body = { Type: 'ValidationException', Message: 'A validation exception occurred', Elements: [{ ValidationErrors: [{ Message: 'Account code 999 is not valid' }, { Message: 'TaxType is invalid' }] }] };
    expect(validationMessages(body)).toEqual(['Account code 999 is not valid', 'TaxType is invalid']);
    const err = xeroHttpError(answer(400), body, 'booking x');
    expect(err).toMatchObject({ kind: 'validation', retryable: false });
    expect(err.message).toContain('Account code 999 is not valid TaxType is invalid');
  });

  it('lock dates, currencies and duplicate contact names get their own kinds and clear messages', () => {
    expect(elementError(['The document date cannot be before the period lock date (2026-04-30).'], 'x').kind).toBe('locked_period');
    const currency = elementError(['Organisation is not subscribed to currency USD'], 'x');
    expect(currency).toMatchObject({ kind: 'validation' });
    expect(currency.message).toContain('Add USD in Xero (Settings → Currencies)');
    expect(elementError(['The contact name Acme is already assigned to another contact.'], 'x').kind).toBe('conflict');
  });

  it('429: rate_limited with Retry-After and the problem; 401/403 auth; 404 unknown; 5xx unavailable', () => {
    const day = xeroHttpError(answer(429, { 'retry-after': '7200', 'x-rate-limit-problem': 'day' }), undefined, 'x');
    expect(day).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7_200_000, retryable: true });
    expect(day.message).toContain('daily limit');
    expect(xeroHttpError(answer(429, { 'x-rate-limit-problem': 'concurrent', 'retry-after': '1' }), undefined, 'x').message).toContain('5 calls at once');
    expect(xeroHttpError(answer(401), undefined, 'x').kind).toBe('auth');
    expect(xeroHttpError(answer(403), undefined, 'x').message).toContain('scope');
    expect(xeroHttpError(answer(404), undefined, 'x').kind).toBe('unknown_reference');
    expect(xeroHttpError(answer(503), undefined, 'x')).toMatchObject({ kind: 'unavailable', retryable: true });
  });

  it('a write cut off after sending may have been applied; a read did not change anything', () => {
    expect(xeroTransportError(new TypeError('fetch failed'), 'x', true)).toMatchObject({ kind: 'unavailable', mayHaveApplied: true });
    expect(xeroTransportError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'x', false)).toMatchObject({ kind: 'timeout', mayHaveApplied: false });
  });
});
