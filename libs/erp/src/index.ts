export * from './erp-errors';
export * from './erp-adapter.port';
export * from './erp.module';
export * from './adapters/sandbox/sandbox-erp.adapter';
export * from './decimal';
export * from './entry-checks';
export * from './adapters/xero';
