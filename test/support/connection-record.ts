import { ConnectionRecord } from '@app/connections';

/** A stored connection as the repository returns it: an active Xero company reaching Pleo with an API key, its secrets sealed. */
export const connectionRecord = (over: Partial<ConnectionRecord> = {}): ConnectionRecord => ({
  id: 'c1',
  companyId: 'co',
  name: 'Acme',
  erpKind: 'xero',
  erpSettings: { clientId: 'app', tenantId: 't1' },
  booking: { postingState: 'posted', itemConcurrency: 4 },
  pleo: { auth: 'api_key' },
  secrets: { pleoApiKey: 'sealed', clientSecret: 'sealed', refreshToken: 'sealed' },
  status: 'active',
  statusSide: null,
  statusReason: null,
  lastVerifiedAt: null,
  lastVerificationOk: null,
  lastVerificationMessage: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});
