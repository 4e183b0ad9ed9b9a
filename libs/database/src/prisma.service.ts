import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { CommonConfig } from '@app/config';
import { PrismaClient } from './generated/prisma/client';

@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  /**
   * The connection pool Prisma runs on. The webhook hot path sends its one statement straight
   * through it (see WebhookEventRepository.insertOnce): same connections, no query-engine overhead.
   */
  readonly pool: Pool;

  constructor(config: CommonConfig) {
    const pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_SIZE,
      // An unreachable database must turn into a quick 503 for Pleo, not a hung request.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
    });
    const warn = (what: string) => (err: Error) => PrismaService.logger.warn(`${what}: ${err.message}`);
    // pg-pool only listens for errors on idle clients. A client that is checked out (a transaction,
    // an advisory lock held across HTTP calls) and loses its server (restart, failover: 57P01)
    // emits 'error' with nobody listening, which kills the process. Every client gets a listener
    // for its whole life; the query in flight fails on its own and pg-pool drops the dead client.
    pool.on('connect', (client) => client.on('error', warn('database connection lost')));
    pool.on('error', warn('idle database connection failed'));
    super({
      adapter: new PrismaPg(pool, { onConnectionError: warn('database connection failed') }),
    });
    this.pool = pool;
  }

  /** Last phase of shutdown: workers stop in onModuleDestroy and may still need the database. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }
}
