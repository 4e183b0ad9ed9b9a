import type { FakeXero, XeroFault } from './fake-xero.server';
import { HttpAnswer } from './xero-answers';

/**
 * /_fake/*: inspect calls and spec problems, switch faults on, change the organisation (lock date,
 * currencies, limits), answer the next consent screen (deny, which organisations), issue a first
 * refresh token — for demos and process-level tests.
 */
export function fakeXeroControl(fake: FakeXero, method: string, url: URL, raw: Buffer): HttpAnswer {
  const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
  const route = `${method} ${url.pathname}`;
  const org = [...fake.orgs.values()][0];
  switch (route) {
    case 'GET /_fake/calls':
      return new HttpAnswer(200, { calls: fake.calls, specProblems: fake.specProblems(), refusals: fake.limits.refusals, grants: fake.identity.grants });
    case 'POST /_fake/faults':
      fake.faults.push(body as XeroFault);
      return new HttpAnswer(204);
    case 'POST /_fake/limits':
      Object.assign(fake.limits.settings, body);
      return new HttpAnswer(200, fake.limits.settings);
    case 'POST /_fake/org':
      if ('lockDate' in body) org.lockDate = (body.lockDate as string | null) ?? null;
      if (Array.isArray(body.currencies)) org.currencies = new Set(body.currencies as string[]);
      return new HttpAnswer(200, { tenantId: org.tenantId, lockDate: org.lockDate, currencies: [...org.currencies] });
    case 'POST /_fake/consent':
      fake.identity.nextConsent = { ...(body.deny === true && { deny: true }), ...(Array.isArray(body.tenantIds) && { tenantIds: body.tenantIds as string[] }) };
      return new HttpAnswer(200, fake.identity.nextConsent);
    case 'POST /_fake/latency': // added to every API answer from now on (0: none)
      fake.latencyMs = Number(body.ms) || 0;
      return new HttpAnswer(200, { ms: fake.latencyMs });
    case 'POST /_fake/expire-access-tokens': // every access token handed out answers 401 from now on
      fake.identity.expireAccessTokens();
      return new HttpAnswer(204);
    case 'POST /_fake/refresh-tokens':
      return new HttpAnswer(200, { refresh_token: fake.identity.issueRefreshToken(String(body.clientId), [...fake.orgs.keys()]) });
    case 'GET /_fake/state':
      return new HttpAnswer(200, {
        tenantId: org.tenantId,
        contacts: [...org.contacts.values()],
        bankTransactions: [...org.bankTransactions.values()],
        invoices: [...org.invoices.values()],
        payments: [...org.payments.values()],
        manualJournals: [...org.manualJournals.values()],
        attachments: Object.fromEntries([...org.attachments].map(([id, list]) => [id, list.map(({ content: _c, ...a }) => a)])),
      });
    default:
      return new HttpAnswer(404, { message: `no control route ${route}` });
  }
}
