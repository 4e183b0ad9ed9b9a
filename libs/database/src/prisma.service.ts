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
      max: 20,
      // An unreachable database must turn into a quick 503 for Pleo, not a hung request.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
    });
    // Without this, a connection dropped by the server would be an unhandled 'error' event and
    // take the process down.
    pool.on('error', (err) => PrismaService.logger.warn(`idle database connection failed: ${err.message}`));
    super({
      adapter: new PrismaPg(pool, {
        onConnectionError: (err) => PrismaService.logger.warn(`database connection failed: ${err.message}`),
      }),
    });
    this.pool = pool;
  }

  /** Last phase of shutdown: workers stop in onModuleDestroy and may still need the database. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
  }
}
