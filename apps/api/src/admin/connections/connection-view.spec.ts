import { ConnectionRecord } from '@app/connections';
import { connectionView } from './connection-view';

describe('connectionView', () => {
  const record: ConnectionRecord = {
    id: 'c1',
    companyId: 'co',
    name: 'Acme',
    erpKind: 'xero',
    erpSettings: { tenantId: 't' },
    booking: { postingState: 'posted', itemConcurrency: 4 },
    pleo: { auth: 'oauth', clientId: 'app' },
    secrets: { pleoClientSecret: 'v2.sealed-1', pleoRefreshToken: 'v2.sealed-2', pleoAccessToken: 'v2.sealed-3', erpClientSecret: 'v2.sealed-4' },
    status: 'active',
    statusSide: null,
    statusReason: null,
    lastVerifiedAt: null,
    lastVerificationOk: null,
    lastVerificationMessage: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };

  it('says only whether each secret is set; sealed values and the cached access token never leave', () => {
    const view = connectionView(record, ['erpClientSecret', 'erpRefreshToken']);
    expect(view.secrets).toEqual({ pleoApiKey: false, pleoClientSecret: true, pleoRefreshToken: true, erpClientSecret: true, erpRefreshToken: false });
    expect(JSON.stringify(view)).not.toContain('sealed');
    expect(view.lastVerification).toBeNull();
  });
});
