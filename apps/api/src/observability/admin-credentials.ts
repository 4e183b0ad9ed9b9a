import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Accepts the admin token as `Authorization: Bearer <token>` (scripts) or as the password of HTTP
 * Basic auth, any user name (a browser's own login prompt: it cannot send a bearer header).
 * Compared in constant time; hashing first hides the token's length.
 */
export function adminCredentialsCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '');
    if (bearer) return timingSafeEqual(digest(bearer[1]), expected);
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
    if (!basic) return false;
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && timingSafeEqual(digest(decoded.slice(colon + 1)), expected);
  };
}

/** No Origin (not a browser, or a same-origin GET) or the request's own host. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
