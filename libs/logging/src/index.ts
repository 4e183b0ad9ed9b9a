export * from './logging.module';
export * from './access-log';
export * from './log-destination';
