import { connectionRecord } from '../../../../../test/support/connection-record';
import { connectionView } from './connection-view';

describe('connectionView', () => {
  const record = connectionRecord({
    pleo: { auth: 'oauth', clientId: 'app' },
    secrets: { pleoClientSecret: 'v2.sealed-1', pleoRefreshToken: 'v2.sealed-2', pleoAccessToken: 'v2.sealed-3', erpClientSecret: 'v2.sealed-4' },
  });


  it('says only whether each secret is set; sealed values and the cached access token never leave', () => {
    const view = connectionView(record, ['erpClientSecret', 'erpRefreshToken']);
    expect(view.secrets).toEqual({ pleoApiKey: false, pleoClientSecret: true, pleoRefreshToken: true, erpClientSecret: true, erpRefreshToken: false });
    expect(JSON.stringify(view)).not.toContain('sealed');
    expect(view.lastVerification).toBeNull();
  });
});
