import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CommonConfig } from '@app/config';
import { AdvisoryLockLost, AdvisoryLockTimeout, PrismaService, RetentionRepository, WebhookEventRepository, withAdvisoryLock } from '@app/database';
import { QueueName, jobIdForEvent } from '@app/queue';
import { OutboxSweeper } from '../../apps/worker/src/maintenance/outbox-sweeper.service';
import { dropQueuePrefix, inspectQueue, startWorker, testDb } from '../support/harness';
import { vendorCreatedBody } from '../support/sign';
import { TEST_DATABASE_URL, uniquePrefix } from '../support/test-env';

/** Inserts an event row as the API would have stored it, in the given state and age. */
async function insertEvent(db: Pool, status: string, opts: { ageSeconds?: number; attempts?: number } = {}) {
  const body = JSON.parse(vendorCreatedBody());
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status, attempts, received_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::"WebhookEventStatus", $8, now() - make_interval(secs => $9), now() - make_interval(secs => $9))
     RETURNING id`,
    [`msg_${randomUUID()}`, body.eventId, body.eventType, body.data.companyId, body.data.id, body, status, opts.attempts ?? 0, opts.ageSeconds ?? 0],
  );
  return rows[0].id;
}

describe('event state, sweeper, retention, advisory locks (real PostgreSQL and Redis)', () => {
  const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_POOL_SIZE: 6 } as CommonConfig);
  const events = new WebhookEventRepository(prisma);
  let db: Pool;
  const statusOf = async (id: string) => (await db.query('SELECT status, attempts, last_error FROM webhook_events WHERE id = $1', [id])).rows[0];

  beforeAll(() => {
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([db.end(), prisma.onApplicationShutdown()]);
  });

  it('O6: an executor whose event was claimed again elsewhere cannot overwrite the later outcome', async () => {
    const id = await insertEvent(db, 'QUEUED');
    const stale = (await events.claim(id))!;
    const fresh = (await events.claim(id))!; // the job re-ran elsewhere after the first lost its lock
    expect(await events.markSucceeded(fresh)).toBe(true);
    expect(await events.markFailed(stale, 'late failure')).toBe(false);
    expect(await events.markRetrying(stale, 'late retry')).toBe(false);
    expect(await statusOf(id)).toEqual({ status: 'SUCCEEDED', attempts: 2, last_error: null });
  });

  it('O6: waiting for a busy company does not count as an attempt', async () => {
    const id = await insertEvent(db, 'QUEUED');
    for (let i = 0; i < 5; i++) {
      const claim = (await events.claim(id))!;
      expect(await events.releaseBusy(claim, 'Waiting: another export for this company is running.')).toBe(true);
    }
    expect(await statusOf(id)).toEqual({ status: 'QUEUED', attempts: 0, last_error: 'Waiting: another export for this company is running.' });
  });

  it('O2: a busy advisory lock is waited for without holding a connection, and gives up as a retryable lock timeout', async () => {
    const key = `test-lock-${randomUUID()}`;
    let release!: () => void;
    const held = withAdvisoryLock(prisma.pool, key, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 200));
    const inUse = () => prisma.pool.totalCount - prisma.pool.idleCount;
    const holding = inUse();
    const waiting = withAdvisoryLock(prisma.pool, key, async () => 'second', { waitMs: 1_000, pollMs: 100 });
    // Between its tries the waiter holds no connection: some samples see only the holder's.
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      samples.push(inUse());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Math.min(...samples)).toBe(holding);
    await expect(waiting).rejects.toThrow(AdvisoryLockTimeout);
    release();
    await held;
    await expect(withAdvisoryLock(prisma.pool, key, async () => 'third')).resolves.toBe('third');
  });

  it('O2 / #8: the lock connection killed under the work (a database restart) fails the work as retryable', async () => {
    const key = `test-lock-${randomUUID()}`;
    const outcome = withAdvisoryLock(prisma.pool, key, async () => {
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = (hashtextextended($1, 0) & x'ffffffff'::bigint)::oid`, [key]);
      await new Promise((r) => setTimeout(r, 300));
      return 'done';
    });
    await expect(outcome).rejects.toThrow(AdvisoryLockLost);
    await expect(withAdvisoryLock(prisma.pool, key, async () => 'again')).resolves.toBe('again'); // pool healthy
  });

  it('O8: retention deletes only finished rows older than their retention, in batches', async () => {
    const day = 86_400;
    const oldDone = await insertEvent(db, 'SUCCEEDED', { ageSeconds: 40 * day });
    const oldIgnored = await insertEvent(db, 'IGNORED', { ageSeconds: 40 * day });
    const oldOpen = await insertEvent(db, 'QUEUED', { ageSeconds: 40 * day });
    const recentDone = await insertEvent(db, 'SUCCEEDED', { ageSeconds: 2 * day });
    const [oldRun, runningRun] = [randomUUID(), randomUUID()];
    await db.query(
      `INSERT INTO export_job_runs (job_id, company_id, status, started_at, finished_at, updated_at)
       VALUES ($1, 'c', 'COMPLETED', now() - interval '100 days', now() - interval '100 days', now() - interval '100 days'),
              ($2, 'c', 'RUNNING', now() - interval '100 days', NULL, now() - interval '100 days')`,
      [oldRun, runningRun],
    );
    const company = `retention-${randomUUID()}`;
    const [posted, posting] = [randomUUID(), randomUUID()];
    await db.query(
      `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, updated_at)
       VALUES ($1, $2, $4, 'POSTED', 'erp-1', now() - interval '500 days'), ($1, $3, $4, 'POSTING', NULL, now() - interval '500 days')`,
      [company, posted, posting, oldRun],
    );
    const counts = await new RetentionRepository(prisma).purge({ events: 30, exportRuns: 90, ledger: 400 });
    expect(counts.events).toBeGreaterThanOrEqual(2);
    const left = async (sql: string, ids: string[]) => (await db.query(sql, [ids])).rows.map((r) => Object.values(r)[0]).sort();
    expect(await left('SELECT id FROM webhook_events WHERE id = ANY($1::uuid[])', [oldDone, oldIgnored, oldOpen, recentDone])).toEqual([oldOpen, recentDone].sort());
    expect(await left('SELECT job_id FROM export_job_runs WHERE job_id = ANY($1::uuid[])', [oldRun, runningRun])).toEqual([runningRun]);
    expect(await left('SELECT accounting_entry_id FROM export_item_ledger WHERE accounting_entry_id = ANY($1::uuid[])', [posted, posting])).toEqual([posting]);
  });

  describe('O5: the outbox sweeper', () => {
    const prefix = uniquePrefix();
    let worker: Awaited<ReturnType<typeof startWorker>>;
    const queue = inspectQueue(QueueName.VendorSync, prefix);

    beforeAll(async () => {
      worker = await startWorker({ QUEUE_PREFIX: prefix, WORKER_QUEUES: 'none', OUTBOX_GRACE_SECONDS: '30' });
    });

    afterAll(async () => {
      await worker.close();
      await queue.close();
      await dropQueuePrefix(prefix);
    });

    it('runs one at a time across workers', async () => {
      const other = await db.connect();
      let id: string;
      try {
        // another worker's sweep (waits for the start-up sweep of this one, if it still runs)
        await other.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`outbox-sweeper:${prefix}`]);
        id = await insertEvent(db, 'RECEIVED', { ageSeconds: 120 });
        expect(await worker.app.get(OutboxSweeper).sweepOnce(0)).toBe(0);
        expect(await queue.getJob(jobIdForEvent(id))).toBeUndefined();
      } finally {
        await other.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`outbox-sweeper:${prefix}`]);
        other.release();
      }
      expect(await worker.app.get(OutboxSweeper).sweepOnce()).toBeGreaterThanOrEqual(1);
      expect(await queue.getJob(jobIdForEvent(id!))).toBeDefined();
    });

    it('leaves an event whose job still waits alone (one pipelined check), and moves the scan past it', async () => {
      const waiting = await insertEvent(db, 'QUEUED', { ageSeconds: 120 });
      await queue.add('v1.vendor.created', { webhookEventId: waiting } as never, { jobId: jobIdForEvent(waiting) });
      const lost = await insertEvent(db, 'QUEUED', { ageSeconds: 120 });
      const before = (await db.query('SELECT updated_at FROM webhook_events WHERE id = $1', [waiting])).rows[0].updated_at;
      await worker.app.get(OutboxSweeper).sweepOnce();
      expect(await queue.getJob(jobIdForEvent(lost))).toBeDefined();
      const row = (await db.query('SELECT status, updated_at FROM webhook_events WHERE id = $1', [waiting])).rows[0];
      expect(row.status).toBe('QUEUED');
      expect(row.updated_at.getTime()).toBeGreaterThan(before.getTime());
      expect(await (await queue.getJob(jobIdForEvent(waiting)))?.getState()).toBe('waiting'); // neither removed nor re-added
    });
  });
});
