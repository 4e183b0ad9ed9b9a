export * from './connection.types';
export * from './connection-secrets';
export * from './connection.repository';
export * from './connection-clients';
export * from './connection-resolver.service';
export * from './connections.options';
export * from './connections.module';
export * from './pleo/pleo-token-endpoint';
