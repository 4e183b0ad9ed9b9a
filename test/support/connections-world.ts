import { Pool } from 'pg';
import { FakePleo, FakePleoOptions } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_ENCRYPTION_KEY, adminClient } from './connections';
import { startFakePleo } from './fake-pleo';
import { RunningApi, dropQueuePrefix, startApi, testDb } from './harness';
import { uniquePrefix } from './test-env';

/**
 * The in-process api with ENCRYPTION_KEY set (stored connections) reaching the strict fake Pleo, its
 * admin API as an operator calls it, and the test database. `apiEnv` gets the started fake (its URLs).
 */
export class ConnectionsWorld {
  readonly prefix = uniquePrefix();
  fake!: FakePleo;
  api!: RunningApi;
  admin!: ReturnType<typeof adminClient>;
  db!: Pool;

  async start(fakeOptions: FakePleoOptions = {}, apiEnv: (fake: FakePleo) => Record<string, string> = () => ({})): Promise<this> {
    this.fake = await startFakePleo(fakeOptions);
    this.api = await startApi({ QUEUE_PREFIX: this.prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: this.fake.url, ...apiEnv(this.fake) });
    this.admin = adminClient(this.api.url);
    this.db = testDb();
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.api?.close(), this.fake?.close(), this.db?.end()]);
    await dropQueuePrefix(this.prefix);
  }
}
