import { DynamicModule, Global, Module } from '@nestjs/common';
import { CommonConfig } from './common.config';
import { PleoApiConfig } from './pleo-api.config';

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
        // libraries that call Pleo ask for the Pleo part of the configuration
        ...(config instanceof PleoApiConfig && cls !== (PleoApiConfig as unknown) ? [{ provide: PleoApiConfig, useValue: config }] : []),
      ],
      exports: [cls, CommonConfig, ...(config instanceof PleoApiConfig && cls !== (PleoApiConfig as unknown) ? [PleoApiConfig] : [])],
    };
  }
}
