import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { CommonConfig } from '@app/config';
import { PrismaClient } from './generated/prisma/client';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  private static readonly logger = new Logger('Database');

  constructor(config: CommonConfig) {
    super({
      adapter: new PrismaPg(
        {
          connectionString: config.DATABASE_URL,
          max: 10,
          // An unreachable database must turn into a quick 503 for Pleo, not a hung request.
          connectionTimeoutMillis: 5_000,
          query_timeout: 15_000,
        },
        {
          // Without these, a connection dropped by the server would be an unhandled 'error' event
          // and take the process down.
          onPoolError: (err) => PrismaService.logger.warn(`idle database connection failed: ${err.message}`),
          onConnectionError: (err) => PrismaService.logger.warn(`database connection failed: ${err.message}`),
        },
      ),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
