/** What Pleo says about a new access token and the connection's company. */
export type CompanyAccess = { ok: true } | { ok: false; refused: boolean; why: string };

/**
 * Whether a freshly exchanged access token can see the connection's company (review finding 11):
 * one `GET /v3/export-jobs?company_id=…&limit=1`. 401/403: the authorisation is for another
 * company (the operator was logged in to another entity); storing it would only turn into a
 * needs_reauthorisation later, with no hint why.
 */
export async function checkCompanyAccess(baseUrl: string, accessToken: string, companyId: string, timeoutMs = 10_000): Promise<CompanyAccess> {
  const url = new URL('v3/export-jobs', `${baseUrl.replace(/\/$/, '')}/`);
  url.searchParams.set('company_id', companyId);
  url.searchParams.set('limit', '1');
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return { ok: false, refused: false, why: `Pleo could not be reached (${(err as Error).message})` };
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return { ok: true };
  if (res.status === 401 || res.status === 403) return { ok: false, refused: true, why: `Pleo answered ${res.status}` };
  return { ok: false, refused: false, why: `Pleo answered ${res.status}` };
}
