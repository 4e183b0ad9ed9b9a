import { connectionRecord } from '../../../../test/support/connection-record';
import { tenantChooserPage } from './connect-pages';
import { pendingConnectFlow } from './pending-connect';

const record = connectionRecord;

describe('pendingConnectFlow', () => {
  it('names the side that waits for its connect flow: Pleo first, then Xero (chain, then organisation)', () => {
    expect(pendingConnectFlow(record({}))).toBeNull();
    expect(pendingConnectFlow(record({ pleo: { auth: 'oauth', clientId: 'p' }, secrets: {} }))).toMatchObject({ side: 'pleo' });
    expect(pendingConnectFlow(record({ secrets: { pleoApiKey: 'sealed', clientSecret: 'sealed' } }))).toMatchObject({ side: 'erp', reason: expect.stringContaining('Not connected to Xero yet') });
    expect(pendingConnectFlow(record({ erpSettings: { clientId: 'app' } }))).toMatchObject({ side: 'erp', reason: expect.stringContaining('no organisation is chosen') });
  });

  it('never waits for a Custom Connection (client_credentials) or another ERP', () => {
    expect(pendingConnectFlow(record({ erpSettings: { clientId: 'app', grantType: 'client_credentials', tenantId: 't' }, secrets: { pleoApiKey: 'k', clientSecret: 's' } }))).toBeNull();
    expect(pendingConnectFlow(record({ erpKind: 'sandbox', erpSettings: {}, secrets: { pleoApiKey: 'k' } }))).toBeNull();
  });
});

describe('tenantChooserPage', () => {
  it('escapes names, ids and the choice, and preselects the current organisation', () => {
    const html = tenantChooserPage('A "B" <C>', 'tok"en', [
      { tenantId: 't1', tenantName: '<script>x</script>' },
      { tenantId: 't2', tenantName: 'Two & Co' },
    ], 't2');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&#60;script&#62;x');
    expect(html).toContain('value="tok&#34;en"');
    expect(html).toContain('value="t2" checked');
    expect(html).not.toContain('value="t1" checked');
    expect(html).toContain('action="/connect/xero/choose"');
  });
});
