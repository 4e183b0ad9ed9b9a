import { defineConfig } from 'prisma/config';

// Prisma 7 does not read .env by itself; the URL is only needed by commands that talk to the
// database (our own db:migrate script builds its connection from DATABASE_URL too).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync',
  },
});
