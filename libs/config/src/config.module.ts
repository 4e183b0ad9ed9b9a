import { DynamicModule, Global, Module } from '@nestjs/common';
import { CommonConfig } from './common.config';

/**
 * Makes one validated configuration object injectable by its class and by each base class
 * (`PleoApiConfig` for the Pleo client, `CommonConfig` for database, queue and logging).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot<T extends CommonConfig>(cls: new () => T, config: T): DynamicModule {
    // The class and each of its bases up to CommonConfig (e.g. WorkerConfig, PleoApiConfig,
    // CommonConfig): a library asks for the part of the configuration it needs.
    const tokens: (abstract new () => unknown)[] = [];
    for (let c: unknown = cls; c && c !== Object; c = Object.getPrototypeOf(c)) {
      tokens.push(c as abstract new () => unknown);
      if (c === CommonConfig) break;
    }
    return {
      module: ConfigModule,
      providers: tokens.map((provide) => ({ provide, useValue: config })),
      exports: tokens,
    };
  }
}
