import { DynamicModule, Module } from '@nestjs/common';
import { ShutdownSignal } from '@app/runtime';
import { EXPORT_OPTIONS, ExportOptions } from './export/export-options';
import { ExportJobRunner } from './export/export-job-runner.service';
import { VendorSyncService } from './vendor/vendor-sync.service';

/** The sync services; each sync takes its company's connection from the connections module given. */
@Module({})
export class SyncModule {
  static forRoot(connections: DynamicModule, exportOptions: ExportOptions): DynamicModule {
    return {
      module: SyncModule,
      imports: [connections],
      providers: [VendorSyncService, ExportJobRunner, ShutdownSignal, { provide: EXPORT_OPTIONS, useValue: exportOptions }],
      exports: [VendorSyncService, ExportJobRunner, ShutdownSignal, connections],
    };
  }
}
