import { randomUUID } from 'node:crypto';
import { governorKey } from '../../erp-adapter.factory';
import { businessCentralErpKind } from './bc-erp.kind';

const settings = (over: Record<string, string> = {}) => ({ tenantId: 'contoso.onmicrosoft.com', clientId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', environment: 'production', companyId: randomUUID(), ...over });
const target = (key: string, s: Record<string, string>) => ({ key, settings: s, secrets: { clientSecret: 'x' } });

describe('Business Central kind: one request budget per Entra app and environment (BC counts per user / service principal)', () => {
  const kind = businessCentralErpKind(null);

  it('two connections with the same Entra app in the same environment share one governor budget, whatever company they book into', () => {
    const a = settings();
    const b = settings({ tenantId: 'CONTOSO.onmicrosoft.com', clientId: a.clientId.toUpperCase() });
    expect(governorKey(kind, target('conn-a', a))).toBe(governorKey(kind, target('conn-b', b)));
  });

  it('another app, tenant or environment is another budget', () => {
    const a = settings();
    for (const other of [settings({ clientId: randomUUID() }), settings({ tenantId: 'fabrikam.onmicrosoft.com' }), settings({ environment: 'sandbox' })]) {
      expect(governorKey(kind, target('conn-a', a))).not.toBe(governorKey(kind, target('conn-a', other)));
    }
  });
});
