export * from './xero-erp.adapter';
export * from './xero-erp.kind';
export * from './xero-batches';
export * from './xero-settings';
export * from './xero-tokens';
export * from './xero-token.store';
