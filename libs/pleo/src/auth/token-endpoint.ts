import { Logger } from '@nestjs/common';
import { backoffDelayMs, sleep } from '@app/runtime';
import { PleoUnreachable } from '../api/pleo-api.error';

export interface TokenEndpointSettings {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  timeoutMs: number;
  /** basic: HTTP Basic plus client_id in the form (default); form: client_id and client_secret in the form */
  clientAuth?: 'basic' | 'form';
}

export type TokenAnswer =
  | { kind: 'ok'; accessToken: string; refreshToken: string; expiresInSeconds: number }
  /** invalid_grant: the refresh token is dead; only a re-authorisation helps */
  | { kind: 'revoked'; reason: string }
  /** anything else the endpoint refuses (invalid_client, a wrong URL, a proxy's 400): our setup */
  | { kind: 'misconfigured'; reason: string };

const ATTEMPTS = 4;
/** A grant is never abandoned early: an answer we stop waiting for may carry the only copy of the new chain. */
export const MIN_GRANT_TIMEOUT_MS = 30_000;

/** The request provably never reached the token endpoint (no connection was made). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const notSent = (err: unknown): boolean => {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code && NOT_SENT_CODES.has(e.code)) return true;
  }
  return false;
};

/** The endpoint answered that it did not process the grant: retried with the same token. */
class NotProcessed extends Error {}

/**
 * One refresh-token grant (RFC 6749 §6). Pleo rotates the chain on every grant and invalidates every
 * earlier token at once (pleo-api.md §1.2), so a grant whose outcome is unknown — a timeout, a reset
 * connection, a 500/502/504 — is NOT retried here (finding 4): it fails (PleoUnreachable) with a
 * loud log, and a later try (the job's next attempt) tells, with the stored token, whether the chain
 * survived (ok) or not (invalid_grant: re-authorise). Retried at once only when the request provably
 * never reached Pleo (connection refused, DNS) or Pleo answered 429/503 (not processed).
 * Only `invalid_grant` means the refresh token is gone (F-7): `invalid_client` (a rotated client
 * secret), `invalid_request`, a 404 from a wrong token URL or an HTML error page are configuration
 * problems that must not cost the stored chain.
 */
export async function requestTokens(settings: TokenEndpointSettings, refreshToken: string, logger: Logger): Promise<TokenAnswer> {
  const { clientId, clientSecret, tokenUrl } = settings;
  const timeoutMs = Math.max(settings.timeoutMs, MIN_GRANT_TIMEOUT_MS);
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (settings.clientAuth === 'form') form.set('client_secret', clientSecret);
  else headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(tokenUrl, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (res.ok && typeof body?.access_token === 'string' && typeof body.refresh_token === 'string') {
        const expiresIn = Number(body.expires_in);
        return { kind: 'ok', accessToken: body.access_token, refreshToken: body.refresh_token, expiresInSeconds: expiresIn > 0 ? expiresIn : 3600 };
      }
      if (res.status !== 429 && res.status < 500) {
        const error = typeof body?.error === 'string' ? body.error : undefined;
        const description = typeof body?.error_description === 'string' ? `: ${body.error_description}` : '';
        if (error === 'invalid_grant') return { kind: 'revoked', reason: `invalid_grant${description}` };
        const what = error ? `${error}${description}` : res.ok ? 'an answer without tokens' : `HTTP ${res.status} without an OAuth error`;
        return { kind: 'misconfigured', reason: `the token endpoint answered ${res.status} (${what})` };
      }
      if (res.status === 429 || res.status === 503) throw new NotProcessed(`token endpoint answered ${res.status}`);
      throw new Error(`token endpoint answered ${res.status}`);
    } catch (err) {
      const retryable = err instanceof NotProcessed || notSent(err);
      if (!retryable) {
        logger.error(`token refresh: the outcome is unknown (${(err as Error).message}); not retried now, as Pleo may have rotated the refresh token. The next try shows whether the chain survived; if Pleo answers invalid_grant, the company must be connected to Pleo again.`);
        throw new PleoUnreachable('POST', tokenUrl, err);
      }
      if (attempt >= ATTEMPTS) throw new PleoUnreachable('POST', tokenUrl, err);
      logger.warn(`token refresh failed (attempt ${attempt}) before Pleo processed it, retrying: ${(err as Error).message}`);
      await sleep(backoffDelayMs(attempt, 500, 10_000));
    }
  }
}
