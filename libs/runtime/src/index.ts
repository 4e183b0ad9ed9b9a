export * from './shutdown';
export * from './backoff';
export * from './concurrency';
export * from './periodic-task';
export * from './with-timeout';
export * from './run-interrupted';
export * from './heartbeats';
export * from './health-probe';
