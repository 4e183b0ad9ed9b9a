import { erpRequests, syncJobs } from './metrics';
import { instrumentErpAdapter, observeSyncJob, syncOutcome } from './observe';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error('x'), { name, ...extra });
const count = async (metric: typeof erpRequests | typeof syncJobs, labels: Record<string, string>) =>
  (await metric.get()).values.find((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))?.value ?? 0;

describe('syncOutcome', () => {
  it('tells the outcome of a job attempt from its result or error', () => {
    expect(syncOutcome({ ok: true })).toBe('succeeded');
    expect(syncOutcome({ skipped: 'the event is finished' })).toBe('skipped');
    expect(syncOutcome(undefined, named('UnrecoverableError'))).toBe('failed');
    expect(syncOutcome(undefined, named('RetryableJobError'))).toBe('retrying');
    expect(syncOutcome(undefined, named('DelayedError'))).toBe('waiting');
    expect(syncOutcome(undefined, new TypeError('bug'))).toBe('error');
  });

  it('observeSyncJob counts the attempt and passes the result or error through', async () => {
    const before = await count(syncJobs, { queue: 'unit-q', outcome: 'retrying' });
    await expect(observeSyncJob('unit-q', () => Promise.reject(named('RetryableJobError')))).rejects.toThrow('x');
    await expect(observeSyncJob('unit-q', async () => 42)).resolves.toBe(42);
    expect(await count(syncJobs, { queue: 'unit-q', outcome: 'retrying' })).toBe(before + 1);
    expect(await count(syncJobs, { queue: 'unit-q', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
  });
});

describe('instrumentErpAdapter', () => {
  class Adapter {
    readonly kind = 'unit-erp';
    readonly capabilities = { idempotency: 'reference' };
    calls = 0;
    async createVendor(name: string) {
      this.calls++;
      return { id: name };
    }
    async postExpense() {
      throw named('ErpError', { kind: 'rate_limited' });
    }
    onModuleInit() {
      this.calls += 100;
    }
  }

  it('counts calls by adapter, operation and outcome (the ErpError kind), passing through results, errors and properties', async () => {
    const adapter = new Adapter();
    const wrapped = instrumentErpAdapter(adapter);
    expect(wrapped.kind).toBe('unit-erp');
    expect(wrapped.capabilities).toBe(adapter.capabilities);
    await expect(wrapped.createVendor('v1')).resolves.toEqual({ id: 'v1' });
    await expect(wrapped.postExpense()).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(adapter.calls).toBe(1);
    expect(await count(erpRequests, { adapter: 'unit-erp', operation: 'createVendor', outcome: 'ok' })).toBe(1);
    expect(await count(erpRequests, { adapter: 'unit-erp', operation: 'postExpense', outcome: 'rate_limited' })).toBe(1);
  });

  it('hides the adapter’s lifecycle hooks, so Nest does not run them a second time on the wrapper', () => {
    expect((instrumentErpAdapter(new Adapter()) as Partial<Adapter>).onModuleInit).toBeUndefined();
  });
});
