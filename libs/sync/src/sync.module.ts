import { DynamicModule, Module } from '@nestjs/common';
import { ErpModule } from '@app/erp';
import { PleoModule } from '@app/pleo';
import { VendorSyncService } from './vendor/vendor-sync.service';

/** The sync services, wired to Pleo's API and the configured ERP adapter. */
@Module({})
export class SyncModule {
  static forRoot(erpAdapter: string): DynamicModule {
    return {
      module: SyncModule,
      imports: [PleoModule, ErpModule.forRoot(erpAdapter)],
      providers: [VendorSyncService],
      exports: [VendorSyncService],
    };
  }
}
