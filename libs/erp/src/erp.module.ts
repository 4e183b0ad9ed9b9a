import { DynamicModule, Module, Type } from '@nestjs/common';
import { instrumentErpAdapter } from '@app/metrics';
import { ERP_ADAPTER, ErpAdapter } from './erp-adapter.port';
import { SandboxErpAdapter } from './adapters/sandbox/sandbox-erp.adapter';
import { PleoApiConfig } from '@app/config';
import { trytonErpKind } from './adapters/tryton/tryton-erp.kind';
import { trytonFromEnv } from './adapters/tryton/tryton-settings';

/** Adapters built from the configuration rather than by injection. */
const ERP_FACTORIES: Record<string, (config: PleoApiConfig) => ErpAdapter> = {
  tryton: (config) => trytonErpKind.build({ key: 'default', ...trytonFromEnv(config as unknown as NodeJS.ProcessEnv) }, { fetch }),
};

/** The adapters this build knows, by the name ERP_ADAPTER selects. Real ERPs join here. */
export const ERP_ADAPTERS: Record<string, Type<ErpAdapter>> = {
  sandbox: SandboxErpAdapter,
};
export const ERP_ADAPTER_NAMES = [...Object.keys(ERP_ADAPTERS), ...Object.keys(ERP_FACTORIES)];

@Module({})
export class ErpModule {
  /** Provides the configured adapter under ERP_ADAPTER. */
  static forRoot(kind: string): DynamicModule {
    const factory = ERP_FACTORIES[kind];
    if (factory) {
      return { module: ErpModule, providers: [{ provide: ERP_ADAPTER, inject: [PleoApiConfig], useFactory: factory }], exports: [ERP_ADAPTER] };
    }
    const adapter = ERP_ADAPTERS[kind];
    if (!adapter) throw new Error(`unknown ERP adapter "${kind}"; known: ${ERP_ADAPTER_NAMES.join(', ')}`);
    return {
      module: ErpModule,
      providers: [adapter, { provide: ERP_ADAPTER, inject: [adapter], useFactory: instrumentErpAdapter }],
      exports: [ERP_ADAPTER],
    };
  }
}
