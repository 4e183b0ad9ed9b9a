import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { EXPORT_ACCOUNTS, exportJobWebhook } from './export-items';
import { startFakePleo } from './fake-pleo';
import { RunningApi, RunningWorker, dropQueuePrefix, post, startApi, startWorker, testDb, waitFor } from './harness';
import { signedHeaders } from './sign';
import { uniquePrefix } from './test-env';

const FINAL = ['completed', 'completed_with_errors', 'failed'];

/**
 * The in-process api and worker against the strict fake Pleo and the sandbox ERP (real PostgreSQL
 * and Redis): a job is seeded in the fake, its webhook sent to the api, and the test waits for Pleo
 * to hold the job as final. `workerOverrides` gets the started fake (its URLs).
 */
export class ExportWorld {
  readonly prefix = uniquePrefix();
  fake!: FakePleo;
  api!: RunningApi;
  worker!: RunningWorker;
  db!: Pool;

  async start(workerOverrides: (fake: FakePleo) => Record<string, string> = () => ({})): Promise<this> {
    this.fake = await startFakePleo();
    this.api = await startApi({ QUEUE_PREFIX: this.prefix });
    this.worker = await startWorker({
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      QUEUE_PREFIX: this.prefix,
      PLEO_API_BASE_URL: this.fake.url,
      EXPORT_LOCK_TTL_SECONDS: '5',
      EXPORT_POLL_INTERVAL_SECONDS: '3600',
      ...EXPORT_ACCOUNTS,
      ...workerOverrides(this.fake),
    });
    this.db = testDb();
    await this.db.query("DELETE FROM sandbox_settings WHERE key = 'offline'");
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.worker?.close(), this.api?.close(), this.fake?.close(), this.db?.end()]);
    await dropQueuePrefix(this.prefix);
  }

  /** A pending export job in the fake Pleo. */
  seed = (companyId: string, items: Record<string, unknown>[], extra: Record<string, unknown> = {}) => this.fake.exports.seedJob({ companyId, items, ...extra });

  /** The job's export webhook, accepted by the api (202); its event id. */
  trigger = async (job: { id: string; companyId: string }): Promise<string> => {
    const body = exportJobWebhook(job);
    const res = await post(`${this.api.url}/webhooks/pleo`, body, signedHeaders(body));
    expect(res.status).toBe(202);
    return res.json.id as string;
  };

  /** The job once Pleo holds it as completed, completed_with_errors or failed. */
  finished = (jobId: string, timeout = 30_000) =>
    waitFor(async () => {
      const job = this.fake.exports.jobs.get(jobId)!;
      return FINAL.includes(job.status) ? job : undefined;
    }, timeout);

  /** The sandbox ERP's entries for these references. */
  entries = async (ids: string[]) => (await this.db.query('SELECT * FROM sandbox_entries WHERE reference = ANY($1) ORDER BY number', [ids])).rows;
}
