export * from './shutdown';
export * from './backoff';
