export * from './sync-errors';
export * from './sync.module';
export * from './vendor/vendor-sync.service';
