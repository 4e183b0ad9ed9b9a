import { DynamicModule, Module, Type } from '@nestjs/common';
import { instrumentErpAdapter } from '@app/metrics';
import { ERP_ADAPTER, ErpAdapter } from './erp-adapter.port';
import { SandboxErpAdapter } from './adapters/sandbox/sandbox-erp.adapter';

/** The adapters this build knows, by the name ERP_ADAPTER selects. Real ERPs join here. */
export const ERP_ADAPTERS: Record<string, Type<ErpAdapter>> = {
  sandbox: SandboxErpAdapter,
};
export const ERP_ADAPTER_NAMES = Object.keys(ERP_ADAPTERS);

@Module({})
export class ErpModule {
  /** Provides the configured adapter under ERP_ADAPTER. */
  static forRoot(kind: string): DynamicModule {
    const adapter = ERP_ADAPTERS[kind];
    if (!adapter) throw new Error(`unknown ERP adapter "${kind}"; known: ${ERP_ADAPTER_NAMES.join(', ')}`);
    return {
      module: ErpModule,
      providers: [adapter, { provide: ERP_ADAPTER, inject: [adapter], useFactory: instrumentErpAdapter }],
      exports: [ERP_ADAPTER],
    };
  }
}
