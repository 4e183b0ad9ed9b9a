import { createHash, randomBytes } from 'node:crypto';
import { FakeOAuth } from './fake-pleo-state';
import { HttpAnswer } from './http-answer';

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  expiresAt: number;
  used: boolean;
}

const page = (status: number, text: string) => new HttpAnswer(status, Buffer.from(text), { 'content-type': 'text/plain; charset=utf-8' });

/**
 * Pleo's authorisation-code grant (pleo-api.md §1.2), as strict as an OAuth server: the authorize
 * endpoint checks the client, the redirect URI and PKCE (S256 only) and, as if the user approved,
 * redirects back with a code; the token endpoint takes each code once, with the same redirect URI
 * and the verifier that matches the challenge. The new refresh token starts the fake's chain.
 */
export class FakeOAuthAuthorize {
  private readonly codes = new Map<string, IssuedCode>();
  /** codes exchanged, and refused exchanges (reuse, bad verifier …) */
  readonly exchanges: { code: string; ok: boolean; error?: string }[] = [];
  /** `?deny=1` on the next authorize: the user clicks "Deny" */
  denyNext = false;

  constructor(private readonly oauth: () => FakeOAuth | undefined) {}

  authorize(url: URL): HttpAnswer {
    const oauth = this.oauth();
    const q = url.searchParams;
    if (!oauth || q.get('client_id') !== oauth.clientId) return page(400, 'unknown client_id');
    const redirectUri = q.get('redirect_uri');
    if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return page(400, 'redirect_uri missing or not http(s)');
    const back = new URL(redirectUri);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    if (q.get('response_type') !== 'code') back.searchParams.set('error', 'unsupported_response_type');
    else if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')) back.searchParams.set('error', 'invalid_request');
    else if (this.denyNext) {
      this.denyNext = false;
      back.searchParams.set('error', 'access_denied');
    } else {
      const code = `ac_${randomBytes(16).toString('hex')}`;
      this.codes.set(code, { clientId: oauth.clientId, redirectUri, challenge: q.get('code_challenge')!, expiresAt: Date.now() + 60_000, used: false });
      back.searchParams.set('code', code);
    }
    return new HttpAnswer(302, undefined, { location: back.toString() });
  }

  exchange(form: URLSearchParams, oauth: FakeOAuth): HttpAnswer {
    const code = form.get('code') ?? '';
    const issued = this.codes.get(code);
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const error =
      !issued || issued.used || issued.expiresAt < Date.now()
        ? 'invalid_grant'
        : issued.redirectUri !== form.get('redirect_uri') || issued.challenge !== challenge
          ? 'invalid_grant'
          : undefined;
    this.exchanges.push({ code, ok: !error, ...(error && { error }) });
    if (issued) issued.used = true; // a code is spent even by a failed exchange
    if (error) return new HttpAnswer(400, { error, error_description: 'authorization code is invalid, used, expired, or does not match' });
    oauth.current = `rt_${randomBytes(16).toString('hex')}`;
    const access = `at_${randomBytes(16).toString('hex')}`;
    oauth.accessTokens.set(access, Date.now() + oauth.accessTokenTtlSeconds * 1000);
    return new HttpAnswer(200, { access_token: access, refresh_token: oauth.current, expires_in: oauth.accessTokenTtlSeconds, token_type: 'Bearer' });
  }
}
