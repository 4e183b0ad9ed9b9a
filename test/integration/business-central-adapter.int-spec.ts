import { BcTokens, BusinessCentralErpAdapter, LocalBcLock, bcFromEnv, parseBcSettings } from '@app/erp';
import { describeErpContract } from '../support/erp-contract';
import { BusinessCentralWorld, startBusinessCentral } from '../support/fake-business-central';

/** The Business Central adapter passes the shared port contract against the fake Business Central. */
let world: BusinessCentralWorld;
let adapter: BusinessCentralErpAdapter;
const ctx = { correlationId: 'bc-contract' };

afterAll(async () => {
  if (world) expect(world.violations()).toEqual([]);
  await world?.close();
});

describeErpContract(
  'business-central (fake)',
  async () => {
    world = await startBusinessCentral();
    const { settings, secrets } = bcFromEnv(world.env);
    const s = parseBcSettings(settings);
    const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secrets.clientSecret, tokenUrl: s.tokenUrl }, null);
    adapter = new BusinessCentralErpAdapter(s, { tokens, fetch, lock: new LocalBcLock(), connectionKey: 'contract' });
    return adapter;
  },
  { attachmentCount: (expenseId) => adapter.attachments.count(expenseId, ctx) },
);
