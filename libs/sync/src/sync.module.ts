import { DynamicModule, Module } from '@nestjs/common';
import { ErpModule } from '@app/erp';
import { PleoModule } from '@app/pleo';
import { ShutdownSignal } from '@app/runtime';
import { EXPORT_OPTIONS, ExportOptions } from './export/export-options';
import { ExportJobRunner } from './export/export-job-runner.service';
import { VendorSyncService } from './vendor/vendor-sync.service';

/** The sync services, wired to Pleo's API and the configured ERP adapter. */
@Module({})
export class SyncModule {
  static forRoot(erpAdapter: string, exportOptions: ExportOptions): DynamicModule {
    return {
      module: SyncModule,
      imports: [PleoModule, ErpModule.forRoot(erpAdapter)],
      providers: [VendorSyncService, ExportJobRunner, ShutdownSignal, { provide: EXPORT_OPTIONS, useValue: exportOptions }],
      exports: [VendorSyncService, ExportJobRunner, ShutdownSignal, PleoModule],
    };
  }
}
