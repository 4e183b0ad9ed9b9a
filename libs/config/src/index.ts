export * from './common.config';
export * from './api.config';
export * from './pleo-api.config';
export * from './worker.config';
export * from './load-config';
export * from './config.module';
export * from './dotenv';
export * from './connections.config';
