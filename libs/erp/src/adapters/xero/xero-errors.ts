import { ErpError } from '../../erp-errors';

interface XeroValidationBody {
  Type?: string;
  Message?: string;
  Elements?: { ValidationErrors?: { Message?: string }[] }[];
}

/** `Retry-After` (seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value.trim()) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The messages of a ValidationException (its elements' ValidationErrors, else its Message). */
export function validationMessages(body: unknown): string[] {
  const b = (body ?? {}) as XeroValidationBody;
  const messages = (b.Elements ?? []).flatMap((e) => (e.ValidationErrors ?? []).map((v) => v.Message ?? '')).filter(Boolean);
  return messages.length ? [...new Set(messages)] : b.Message ? [b.Message] : [];
}

/**
 * Xero's refusal of one element (or of a whole request) as the port's error: lock-date refusals
 * are `locked_period`, a contact name another contact holds is a `conflict`, an organisation not
 * subscribed to a currency gets a message saying where to fix it; the rest is `validation`, with
 * Xero's own messages kept.
 */
export function elementError(messages: string[], what: string): ErpError {
  const text = messages.join(' ');
  if (/lock date/i.test(text)) {
    return new ErpError('locked_period', `Xero refused ${what}: ${text} Move the date after the lock date in Pleo, or change the lock date in Xero (Settings → Advanced → Financial settings).`);
  }
  const currency = /not subscribed to currency (\w+)/i.exec(text);
  if (currency) {
    return new ErpError('validation', `Xero refused ${what}: the organisation is not subscribed to currency ${currency[1]}. Add ${currency[1]} in Xero (Settings → Currencies) and export again.`);
  }
  if (/already assigned to another contact/i.test(text)) return new ErpError('conflict', `Xero refused ${what}: ${text}`);
  // Xero's own wording for a code its chart does not hold: the reference is unknown, not the data wrong
  if (/Account code '[^']*' is not a valid code/i.test(text)) return new ErpError('unknown_reference', `Xero refused ${what}: ${text}`, { subject: 'account' });
  if (/TaxType code '[^']*' does not exist/i.test(text)) return new ErpError('unknown_reference', `Xero refused ${what}: ${text}`, { subject: 'tax_code' });
  return new ErpError('validation', `Xero refused ${what}: ${text || 'a validation error without a message'}`);
}

/** A non-2xx answer from Xero as the port's error. `write`: the request could have changed data. */
export function xeroHttpError(response: Response, body: unknown, what: string): ErpError {
  const status = response.status;
  if (status === 400) return elementError(validationMessages(body), what);
  if (status === 401) return new ErpError('auth', `Xero did not accept the access token for ${what} (401). Reconnect Xero if this persists.`);
  if (status === 403) {
    return new ErpError('auth', `Xero refused ${what} (403): the app lacks a scope it needs (accounting.transactions, accounting.contacts, accounting.attachments, accounting.settings) or the organisation is no longer connected. Reconnect Xero.`);
  }
  if (status === 404) return new ErpError('unknown_reference', `Xero does not know ${what} (404).`, { subject: 'entry' });
  if (status === 429) {
    const problem = response.headers.get('x-rate-limit-problem') ?? 'minute';
    const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? (problem === 'day' ? 3_600_000 : 60_000);
    const limit = problem === 'day' ? "the organisation's daily limit (5,000 calls)" : problem === 'concurrent' ? '5 calls at once' : '60 calls a minute';
    return new ErpError('rate_limited', `Xero's limit of ${limit} was reached during ${what}; retrying in ${Math.ceil(waitMs / 1000)} s.`, { retryAfterMs: waitMs });
  }
  if (status >= 500) {
    return new ErpError('unavailable', `Xero is unavailable (${status}) for ${what}; it will be retried.`, { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
  }
  return new ErpError('validation', `Xero answered ${status} to ${what}.`);
}

/** A request that failed without an answer. A write may have been applied (sent, then cut off). */
export function xeroTransportError(err: unknown, what: string, write: boolean): ErpError {
  if (err instanceof ErpError) return err;
  const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
  const message = `${timedOut ? 'No answer in time from Xero' : 'The connection to Xero failed'} during ${what}${write ? '; it may have been applied and will be checked before any retry' : ''}.`;
  return new ErpError(timedOut ? 'timeout' : 'unavailable', message, { mayHaveApplied: write, cause: err });
}
