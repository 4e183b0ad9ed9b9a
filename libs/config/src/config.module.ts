import { DynamicModule, Global, Module } from '@nestjs/common';
import { CommonConfig } from './common.config';

/**
 * Makes one validated configuration object injectable by its class, and by `CommonConfig` for the
 * libraries (database, queue, logging) that serve both processes.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot<T extends CommonConfig>(cls: new () => T, config: T): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: cls, useValue: config },
        { provide: CommonConfig, useValue: config },
      ],
      exports: [cls, CommonConfig],
    };
  }
}
