import { randomBytes } from 'node:crypto';
import { TEST_ADMIN_TOKEN } from './test-env';

/** The ENCRYPTION_KEY api and worker share in tests. */
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** The admin API of a running api, as an operator would call it. */
export function adminClient(apiUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
  };
  return {
    call,
    create: (body: unknown) => call('POST', '/admin/connections', body),
    get: (id: string) => call('GET', `/admin/connections/${id}`),
    list: () => call('GET', '/admin/connections'),
    patch: (id: string, body: unknown) => call('PATCH', `/admin/connections/${id}`, body),
    remove: (id: string) => call('DELETE', `/admin/connections/${id}`),
    verify: (id: string) => call('POST', `/admin/connections/${id}/verify`),
  };
}

/** A sandbox connection for `companyId`, reaching Pleo with `apiKey`. */
export const sandboxConnection = (companyId: string, apiKey: string, booking: Record<string, unknown> = {}) => ({
  companyId,
  name: `Company ${companyId.slice(0, 8)}`,
  erpKind: 'sandbox',
  booking,
  pleo: { auth: 'api_key' },
  secrets: { pleoApiKey: apiKey },
});
