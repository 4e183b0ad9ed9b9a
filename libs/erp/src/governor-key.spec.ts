import { governorKey } from './erp-adapter.factory';
import { ErpKindDefinition } from './erp-kind';

const kind = (tenantKey?: ErpKindDefinition['tenantKey']): ErpKindDefinition => ({
  kind: 'xero',
  secretNames: [],
  settingsProblems: () => [],
  rateLimits: () => null,
  build: () => {
    throw new Error('not built here');
  },
  ...(tenantKey && { tenantKey }),
});
const target = (key: string, settings: Record<string, unknown>) => ({ key, settings, secrets: {} });

describe('governorKey (review finding 9): one budget per ERP organisation when the kind names it', () => {
  const perTenant = kind((s) => (typeof s.tenantId === 'string' ? s.tenantId.toLowerCase() : null));

  it('two connections (or the default and a connection) to one tenant share one key', () => {
    const tenantId = 'AB12CD34-0000-4000-8000-000000000001';
    expect(governorKey(perTenant, target('conn-a', { tenantId }))).toBe(governorKey(perTenant, target('default', { tenantId: tenantId.toLowerCase() })));
  });

  it('different tenants, or a kind without tenants, are keyed per connection', () => {
    expect(governorKey(perTenant, target('conn-a', { tenantId: 't1' }))).not.toBe(governorKey(perTenant, target('conn-a', { tenantId: 't2' })));
    expect(governorKey(perTenant, target('conn-a', {}))).toBe('xero:conn-a');
    expect(governorKey(kind(), target('conn-a', { tenantId: 't1' }))).toBe('xero:conn-a');
  });
});
