import { bcHttpError, bcTransportError } from './bc-errors';

const answer = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });
const body = (code: string, message: string) => ({ error: { code, message: `${message}  CorrelationId:  6f1e9a1c-0b1d-4a55-9a11-2b3c4d5e6f70.` } });

describe('Business Central errors → the port\'s taxonomy', () => {
  it('keeps BC\'s code and message for a 400, without the correlation id', () => {
    const err = bcHttpError(answer(400), body('BadRequest', "Control 'vendorName' is read-only."), 'creating the invoice', true);
    expect(err).toMatchObject({ kind: 'validation', retryable: false });
    expect(err.message).toBe("Business Central refused creating the invoice: Control 'vendorName' is read-only. [BadRequest].");
    expect(bcHttpError(answer(400), body('Internal_RecordNotFound', 'The G/L Account does not exist. Identification fields and values: No.=6999'), 'x', true)).toMatchObject({ kind: 'unknown_reference', subject: 'account' });
    // the API pages' own labels name the field (APIV2 - JournalLines, APIV2 - Vendor Payments)
    expect(bcHttpError(answer(400), body('Application_DialogException', 'The "accountNumber" does not match to an Account.'), 'x', true)).toMatchObject({ kind: 'unknown_reference', subject: 'account' });
    expect(bcHttpError(answer(400), body('Application_DialogException', 'The "vendorNumber" does not match to a Vendor.'), 'x', true)).toMatchObject({ kind: 'unknown_reference', subject: 'vendor' });
    expect(bcHttpError(answer(400), body('Application_DialogException', 'The "valueCode" does not match to a Dimension Value.'), 'x', true)).toMatchObject({ kind: 'unknown_reference', subject: 'dimension' });
    expect(bcHttpError(answer(400), body('BadRequest', 'Posting Date is not within your range of allowed posting dates.'), 'x', true).kind).toBe('locked_period');
  });

  it('maps 401/403 to auth, 404 to unknown reference (company: configuration), 409/412 to conflict', () => {
    expect(bcHttpError(answer(401), null, 'x', false).kind).toBe('auth');
    expect(bcHttpError(answer(403), null, 'x', false).message).toContain('Microsoft Entra Applications');
    expect(bcHttpError(answer(404), body('BadRequest_NotFound', 'The resource was not found'), 'x', false)).toMatchObject({ kind: 'unknown_reference', subject: 'entry' });
    expect(bcHttpError(answer(404), body('Internal_CompanyNotFound', 'Cannot find company'), 'x', false).kind).toBe('configuration');
    expect(bcHttpError(answer(409), body('Internal_EntityWithSameKeyExists', 'exists'), 'x', true).kind).toBe('conflict');
    expect(bcHttpError(answer(412), null, 'x', true).kind).toBe('conflict');
  });

  it('429 waits Retry-After, or a default when BC sends none; 503/504 are retryable and may have applied a write', () => {
    expect(bcHttpError(answer(429, { 'retry-after': '7' }), null, 'x', false)).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 7000 });
    expect(bcHttpError(answer(429), null, 'x', false).retryAfterMs).toBe(30_000);
    expect(bcHttpError(answer(503), null, 'x', true)).toMatchObject({ kind: 'unavailable', retryable: true, mayHaveApplied: true });
    expect(bcHttpError(answer(504), null, 'x', false)).toMatchObject({ kind: 'timeout', retryable: true, mayHaveApplied: false });
    expect(bcTransportError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'x', true)).toMatchObject({ kind: 'timeout', mayHaveApplied: true });
  });
});
