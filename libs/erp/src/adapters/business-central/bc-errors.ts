import { ErpError } from '../../erp-errors';
import { retryAfterMs } from '../../governor/rate-limits';

/** Business Central's OData error body: `{"error":{"code":"BadRequest_…","message":"… CorrelationId: …"}}`. */
export interface BcErrorBody {
  error?: { code?: string; message?: string };
}

/** BC's code and message, without the CorrelationId tail (kept in the cause, not shown to bookkeepers). */
export function bcMessage(body: unknown): { code: string; message: string } {
  const e = (body as BcErrorBody | null)?.error ?? {};
  const message = String(e.message ?? '').replace(/\s*CorrelationId:\s*[0-9a-f-]+\.?\s*$/i, '').trim();
  return { code: String(e.code ?? ''), message };
}

/** What a refusal is about, from BC's words: the port's subject for unknown references. */
function subjectOf(message: string): ErpError['subject'] | undefined {
  // the API pages name the field: 'The "accountNumber" does not match to an Account.' (APIV2 - JournalLines)
  if (/"(accountId|accountNumber|balancingAccountId|balancingAccountNumber|lineObjectNumber)"/.test(message)) return 'account';
  if (/"(vendorId|vendorNumber)"/.test(message)) return 'vendor';
  if (/"taxCode"/.test(message)) return 'tax_code';
  if (/"(valueId|valueCode|code)" does not match to a Dimension/.test(message)) return 'dimension';
  if (/G\/L Account|account (no\.|number)/i.test(message)) return 'account';
  if (/VAT (Prod|Posting)|Tax (Group|Area)|tax ?code/i.test(message)) return 'tax_code';
  if (/Dimension/i.test(message)) return 'dimension';
  if (/Vendor/i.test(message)) return 'vendor';
  return undefined;
}

/** Pause when BC says neither Retry-After nor anything else (its docs ask for a back-off). */
export const DEFAULT_429_WAIT_MS = 30_000;

/**
 * A non-2xx answer as the port's error. `write`: the request could have changed data (a 5xx after
 * sending a write may have been applied and must be reconciled before writing again).
 */
export function bcHttpError(response: Response, body: unknown, what: string, write: boolean): ErpError {
  const status = response.status;
  const { code, message } = bcMessage(body);
  const said = message ? `: ${message}` : '';
  const coded = code ? ` [${code}]` : '';
  if (status === 400 || status === 422) {
    if (/posting date is not within (your|the) range of allowed posting dates|is not within your range of allowed posting dates|accounting period.*closed/i.test(message)) {
      return new ErpError('locked_period', `Business Central refused ${what}${said}${coded}. Move the date into an open period in Pleo, or widen the allowed posting dates in Business Central (General Ledger Setup / User Setup).`);
    }
    const subject = subjectOf(message);
    if (/does not exist|cannot be found|could not find|not found|does not match/i.test(message) && subject) {
      return new ErpError('unknown_reference', `Business Central refused ${what}${said}${coded}.`, { subject });
    }
    return new ErpError('validation', `Business Central refused ${what}${said}${coded}.`);
  }
  if (status === 401) return new ErpError('auth', `Business Central did not accept the access token for ${what} (401)${said}. Check BC_TENANT_ID / BC_CLIENT_ID / BC_CLIENT_SECRET and that the app is registered in Business Central.`);
  if (status === 403) {
    return new ErpError('auth', `Business Central refused ${what} (403)${said}. Give the Entra app permission sets in Business Central ("Microsoft Entra Applications" page), e.g. D365 BUS FULL ACCESS, and grant admin consent.`);
  }
  if (status === 404) {
    if (/company/i.test(code) || /company/i.test(message)) {
      return new ErpError('configuration', `Business Central does not know the company of BC_COMPANY_ID (404)${said}. Check BC_COMPANY_ID and BC_ENVIRONMENT.`);
    }
    return new ErpError('unknown_reference', `Business Central does not know ${what} (404)${said}.`, { subject: 'entry' });
  }
  if (status === 409 || status === 412) {
    return new ErpError('conflict', `Business Central refused ${what}: ${status === 412 ? 'the record changed since it was read' : 'it conflicts with an existing record'}${said}${coded}.`);
  }
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? DEFAULT_429_WAIT_MS;
    return new ErpError('rate_limited', `Business Central's request limit (6,000 per 5 minutes, 5 at once) was reached during ${what}; retrying in ${Math.ceil(waitMs / 1000)} s.`, { retryAfterMs: waitMs });
  }
  if (status === 408 || status === 502 || status === 503 || status === 504 || status >= 500) {
    const kind = status === 408 || status === 504 ? 'timeout' : 'unavailable';
    return new ErpError(kind, `Business Central answered ${status} to ${what}${write ? '; it may have been applied and will be checked before any retry' : '; it will be retried'}.`, {
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      mayHaveApplied: write,
    });
  }
  return new ErpError('validation', `Business Central answered ${status} to ${what}${said}${coded}.`);
}

/** A request that failed without an answer. A write may have been applied (sent, then cut off). */
export function bcTransportError(err: unknown, what: string, write: boolean): ErpError {
  if (err instanceof ErpError) return err;
  const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
  const message = `${timedOut ? 'No answer in time from Business Central' : 'The connection to Business Central failed'} during ${what}${write ? '; it may have been applied and will be checked before any retry' : ''}.`;
  return new ErpError(timedOut ? 'timeout' : 'unavailable', message, { mayHaveApplied: write, cause: err });
}
