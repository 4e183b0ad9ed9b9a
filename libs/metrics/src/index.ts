export * from './registry';
export * from './metrics';
export * from './observe';
export * from './metrics.module';
