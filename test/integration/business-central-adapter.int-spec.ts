import { BusinessCentralErpAdapter } from '@app/erp';
import { describeErpContract } from '../support/erp-contract';
import { BusinessCentralWorld, bcAdapter, startBusinessCentral } from '../support/fake-business-central';

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
    adapter = bcAdapter(world, fetch, 'contract');
    return adapter;
  },
  { attachmentCount: (expenseId) => adapter.attachments.count(expenseId, ctx) },
);
