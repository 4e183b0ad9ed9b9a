import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, WorkerConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { QueueModule } from '@app/queue';
import { OutboxSweeper } from './maintenance/outbox-sweeper.service';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(WorkerConfig, config), LoggingModule, DatabaseModule, QueueModule],
      providers: [OutboxSweeper],
    };
  }
}
