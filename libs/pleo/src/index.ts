export * from './webhooks/event-types';
export * from './webhooks/webhook-verifier';
export * from './webhooks/webhook-envelope';
