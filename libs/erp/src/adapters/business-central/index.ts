export * from './bc-erp.adapter';
export * from './bc-erp.kind';
export * from './bc-settings';
export * from './bc-token';
export * from './bc-lock';
