import { PleoUnreachable } from '@app/pleo';

/** The connect flow's grant; refreshing a chain goes through requestTokens (libs/pleo). */
export type TokenGrant = { grant_type: 'authorization_code'; code: string; redirect_uri: string; code_verifier: string };

export type TokenAnswer =
  | { kind: 'ok'; accessToken: string; refreshToken: string | null; expiresInSeconds: number }
  /** `error`: the OAuth error code (invalid_grant: the chain is gone, a person must re-authorise) */
  | { kind: 'refused'; error: string; description: string };

/**
 * One call to Pleo's OAuth token endpoint (client authentication: HTTP Basic, pleo-api.md §1.2).
 * Network errors and 5xx/429 throw PleoUnreachable (retryable); a 4xx is an answer.
 */
export async function callTokenEndpoint(
  tokenUrl: string,
  client: { clientId: string; clientSecret: string },
  grant: TokenGrant,
  timeoutMs: number,
): Promise<TokenAnswer> {
  let res: Response;
  try {
    res = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ ...grant, client_id: client.clientId }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new PleoUnreachable('POST', tokenUrl, err);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof body.access_token === 'string') {
    return {
      kind: 'ok',
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
      expiresInSeconds: Number(body.expires_in) > 0 ? Number(body.expires_in) : 3600,
    };
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 429) {
    return { kind: 'refused', error: String(body.error ?? res.status), description: String(body.error_description ?? '') };
  }
  throw new PleoUnreachable('POST', tokenUrl, new Error(`token endpoint answered ${res.status}`));
}
