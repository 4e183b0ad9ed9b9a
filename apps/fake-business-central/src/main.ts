import { BcCompany } from './bc-company';
import { FakeBusinessCentral } from './fake-business-central.server';

/**
 * The fake Business Central as a process (docker compose profile "business-central"): one tenant,
 * environment and company, one Entra app from the environment, BC's limits unless
 * FAKE_BC_LIMITS_OFF=1, FAKE_BC_LATENCY_MS added to every API answer, the control API with FAKE_BC_CONTROL=1,
 * FAKE_BC_BATCH_COUNTS=operation|request: how a $batch counts toward the window (default: each
 * operation), FAKE_BC_BATCH_OPERATION_LATENCY_MS added per operation inside a $batch. Prints the values for BC_*.
 */
async function main() {
  const env = process.env;
  const batchCounts = env.FAKE_BC_BATCH_COUNTS || 'operation';
  if (batchCounts !== 'operation' && batchCounts !== 'request') throw new Error(`FAKE_BC_BATCH_COUNTS must be "operation" or "request", not "${batchCounts}"`);
  const fake = new FakeBusinessCentral({ control: env.FAKE_BC_CONTROL === '1', latencyMs: Number(env.FAKE_BC_LATENCY_MS || 0), batchCounts, batchOperationLatencyMs: Number(env.FAKE_BC_BATCH_OPERATION_LATENCY_MS || 0), ...(env.FAKE_BC_LIMITS_OFF === '1' && { limits: { perWindow: 1e9, concurrent: 1e9 } }) });
  const tenantId = env.FAKE_BC_TENANT_ID || '00000000-0000-4000-8000-00000000bc01';
  const environment = env.FAKE_BC_ENVIRONMENT || 'sandbox';
  const company = fake.addCompany(tenantId, environment, new BcCompany(env.FAKE_BC_COMPANY_ID || undefined, 'CRONUS Pleo Demo', env.FAKE_BC_JOURNAL_CODE || 'PLEO'));
  const clientId = env.FAKE_BC_CLIENT_ID || 'fake-bc-client';
  fake.identity.addClient({ clientId, clientSecret: env.FAKE_BC_CLIENT_SECRET || 'fake-bc-secret', tenantId });
  const url = await fake.listen(Number(env.FAKE_BC_PORT || 4030), env.FAKE_BC_HOST || '0.0.0.0');
  console.log(JSON.stringify({ msg: 'fake Business Central listening', url, apiBaseUrl: fake.apiBaseUrl, tokenUrl: fake.tokenUrlTemplate, tenantId, environment, companyId: company.id, clientId, control: env.FAKE_BC_CONTROL === '1' }));
  const stop = () => fake.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
