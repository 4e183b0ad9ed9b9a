/** An organisation the user authorised the app for (Xero's GET /connections, ORGANISATION only). */
export interface XeroTenant {
  tenantId: string;
  tenantName: string;
}

export type XeroCodeAnswer =
  | { kind: 'ok'; accessToken: string; refreshToken: string | null }
  /** `error`: the OAuth error code (invalid_grant: the code is wrong, used or expired) */
  | { kind: 'refused'; error: string };

/** Xero's identity service could not be reached or failed (a network error, 429 or 5xx). */
export class XeroIdentityUnreachable extends Error {
  constructor(what: string, cause?: unknown) {
    super(`Xero's identity service could not be reached (${what})`, { cause });
    this.name = 'XeroIdentityUnreachable';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The authorisation code for tokens at `<identityUrl>/connect/token` (client authentication: HTTP
 * Basic, as Xero's web apps do). A 4xx is an answer; anything else throws XeroIdentityUnreachable.
 */
export async function exchangeXeroCode(
  identityUrl: string,
  client: { clientId: string; clientSecret: string },
  grant: { code: string; redirectUri: string },
  timeoutMs: number,
): Promise<XeroCodeAnswer> {
  let res: Response;
  try {
    res = await fetch(`${identityUrl.replace(/\/$/, '')}/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, redirect_uri: grant.redirectUri }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new XeroIdentityUnreachable('token endpoint', err);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof body.access_token === 'string') {
    return { kind: 'ok', accessToken: body.access_token, refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null };
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 429) return { kind: 'refused', error: String(body.error ?? res.status) };
  throw new XeroIdentityUnreachable(`token endpoint answered ${res.status}`);
}

/** The organisations an access token reaches (Xero's GET /connections; practice managers and others left out). */
export async function listXeroTenants(connectionsUrl: string, accessToken: string, timeoutMs: number): Promise<XeroTenant[]> {
  let res: Response;
  try {
    res = await fetch(connectionsUrl, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new XeroIdentityUnreachable('connections', err);
  }
  if (!res.ok) throw new XeroIdentityUnreachable(`connections answered ${res.status}`);
  const list = (await res.json().catch(() => null)) as unknown;
  if (!Array.isArray(list)) throw new XeroIdentityUnreachable('connections answered something that is not a list');
  return list
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .filter((c) => c.tenantType === 'ORGANISATION' && typeof c.tenantId === 'string' && GUID.test(c.tenantId))
    .map((c) => ({ tenantId: c.tenantId as string, tenantName: typeof c.tenantName === 'string' && c.tenantName ? c.tenantName : (c.tenantId as string) }));
}
