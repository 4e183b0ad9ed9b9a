import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { ExportLedgerRepository, ExportRunRepository, PrismaService, ReceiptLedgerRepository, VendorLinkRepository } from '@app/database';
import { ConnectionResolver, SyncConnection } from '@app/connections';
import { ErpAdapter, SandboxErpAdapter } from '@app/erp';
import { PleoExportClient, PleoVendorsClient } from '@app/pleo';
import { PRODUCER_CONNECTION } from '@app/queue';
import { RunInterrupted, ShutdownSignal, sleep } from '@app/runtime';
import { CompanyBusy, EXPORT_OPTIONS, ExportJobRunner, ExportOptions } from '@app/sync';
import { BatchHooks, BatchingErp, ErpHooks, ErpWrites, NonDeduplicatingErp } from './counting-erp';
import { EXPORT_ACCOUNTS, exportItem } from './export-items';
import { startFakePleo } from './fake-pleo';
import { dropQueuePrefix, startWorker, testDb, waitFor } from './harness';
import { uniquePrefix } from './test-env';

/**
 * Export runners built directly on a worker's real services (PostgreSQL, Redis, the fake Pleo), so a
 * test can run several of them for one company, each with its own ERP double, lock connection or
 * shutdown signal. The worker itself takes no jobs.
 */
export class ExportRunnerKit {
  readonly prefix = uniquePrefix();
  fake!: FakePleo;
  db!: Pool;
  redis!: IORedis;
  private worker!: { app: INestApplicationContext; close(): Promise<void> };
  private options!: ExportOptions;

  async start(): Promise<this> {
    this.fake = await startFakePleo();
    this.worker = await startWorker({
      QUEUE_PREFIX: this.prefix,
      PLEO_API_BASE_URL: this.fake.url,
      RECEIPT_ALLOWED_HTTP_HOSTS: new URL(this.fake.filesUrl).host,
      WORKER_QUEUES: 'none',
      EXPORT_POLL_INTERVAL_SECONDS: '3600',
      ...EXPORT_ACCOUNTS,
    });
    this.db = testDb();
    await this.db.query("DELETE FROM sandbox_settings WHERE key = 'offline'");
    this.redis = this.worker.app.get(PRODUCER_CONNECTION);
    await waitFor(async () => this.redis.status === 'ready'); // no offline queue: commands need the connection up
    this.options = this.worker.app.get(EXPORT_OPTIONS);
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.worker.close(), this.fake.close(), this.db.end()]);
    await dropQueuePrefix(this.prefix);
  }

  get<T>(type: abstract new (...args: never[]) => T): T {
    return this.worker.app.get(type as never);
  }

  erpDouble(writes: ErpWrites, hooks: ErpHooks = {}): NonDeduplicatingErp {
    return new NonDeduplicatingErp(new SandboxErpAdapter(this.get(PrismaService)), this.get(PrismaService), writes, hooks);
  }

  batchingDouble(writes: ErpWrites, hooks: BatchHooks = {}): BatchingErp {
    return new BatchingErp(new SandboxErpAdapter(this.get(PrismaService)), this.get(PrismaService), writes, hooks);
  }

  runner(
    erp: ErpAdapter,
    overrides: Partial<ExportOptions> & { itemConcurrency?: number; connectionId?: string } = {},
    lockRedis: IORedis = this.redis,
    shutdown = new ShutdownSignal(),
  ): ExportJobRunner {
    const { itemConcurrency = 4, connectionId, ...options } = overrides;
    // the environment's connection with this ERP double (or, with connectionId, a stored one's shape)
    const connection = (companyId: string): SyncConnection => ({
      id: connectionId ?? null,
      key: connectionId ?? 'default',
      companyId,
      name: 'test',
      erp,
      pleoExports: this.get(PleoExportClient),
      pleoVendors: this.get(PleoVendorsClient),
      settings: { walletAccount: '1910', outOfPocketAccount: '2890', contraAccount: '2990', apAccount: '2400', postingState: 'posted', itemConcurrency },
    });
    const connections = { run: (companyId: string, work: (c: SyncConnection) => Promise<unknown>) => work(connection(companyId)) } as unknown as ConnectionResolver;
    return new ExportJobRunner(
      connections,
      this.get(ExportLedgerRepository),
      this.get(ExportRunRepository),
      this.get(VendorLinkRepository),
      lockRedis,
      { ...this.options, ...options },
      this.get(ReceiptLedgerRepository),
      shutdown,
    );
  }

  /** As the queue would: a run that finds the company busy or is interrupted is tried again. */
  async runUntilDone(runner: ExportJobRunner, companyId: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await runner.runCompany(companyId, `test-${randomUUID()}`);
      } catch (err) {
        if (!(err instanceof CompanyBusy || err instanceof RunInterrupted) || Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  }

  /** An entry in the ERP that an earlier run (or version) wrote, outside any test's counts. */
  bookDirectly(id: string) {
    return this.erpDouble(new ErpWrites()).postExpense(
      { reference: id, mode: 'journal', state: 'posted', date: '2026-11-20', description: 'x', total: { value: '10', currency: 'EUR' }, contraAccount: '1910', lines: [{ account: '7100', net: { value: '10', currency: 'EUR' } }] },
      { correlationId: 'test' },
    );
  }
}

export const plainItems = (companyId: string, n: number) => Array.from({ length: n }, () => exportItem({ companyId, tax: null, gross: 1000 }));
export const idsOf = (list: Record<string, unknown>[]) => list.map((i) => String(i.accountingEntryId));

/** Every expected entry posted, each exactly once (the double counts posts per accountingEntryId). */
export function expectPostedOnce(writes: ErpWrites, expected: string[]): void {
  expect([...writes.posts.keys()].sort()).toEqual([...expected].sort());
  expect([...writes.posts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
}
