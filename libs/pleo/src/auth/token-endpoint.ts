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

/**
 * One refresh-token grant (RFC 6749 §6), with bounded retries on network errors, 429 and 5xx.
 * Only `invalid_grant` means the refresh token is gone (F-7): `invalid_client` (a rotated client
 * secret), `invalid_request`, a 404 from a wrong token URL or an HTML error page are configuration
 * problems that must not cost the stored chain.
 */
export async function requestTokens(settings: TokenEndpointSettings, refreshToken: string, logger: Logger): Promise<TokenAnswer> {
  const { clientId, clientSecret, tokenUrl, timeoutMs } = settings;
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
      throw new Error(`token endpoint answered ${res.status}`);
    } catch (err) {
      if (attempt >= ATTEMPTS) throw new PleoUnreachable('POST', tokenUrl, err);
      logger.warn(`token refresh failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
      await sleep(backoffDelayMs(attempt, 500, 10_000));
    }
  }
}
