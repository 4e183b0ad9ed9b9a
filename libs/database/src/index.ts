export * from './prisma.service';
export * from './database.module';
export * from './database-errors';
export * from './webhook-event.repository';
export { WebhookEventStatus } from './generated/prisma/client';
export type { WebhookEvent } from './generated/prisma/client';
export * from './advisory-lock';
export * from './vendor-link.repository';
