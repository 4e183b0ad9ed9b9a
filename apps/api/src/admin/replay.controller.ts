import { Body, ConflictException, Controller, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { WebhookEventRepository, WebhookEventStatus } from '@app/database';
import { EventProducer } from '@app/queue';
import { AdminTokenGuard } from './admin-token.guard';
import { EventFilterFields, eventFilterOf } from './event-filter.query';

export class BulkReplayBody extends EventFilterFields {
  @IsOptional()
  @IsIn(['FAILED', 'SUCCEEDED'], { message: 'status must be FAILED or SUCCEEDED' })
  status: 'FAILED' | 'SUCCEEDED' = 'FAILED';

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 1000;
}

/**
 * Replay re-runs events once their cause is fixed: FAILED ones (or SUCCEEDED ones, which is
 * harmless: the sync finds everything done and changes nothing). Attempts start from zero.
 */
@Controller('admin/events')
@UseGuards(AdminTokenGuard)
export class ReplayController {
  constructor(
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
  ) {}

  @Post('replay')
  @HttpCode(202)
  async replayMany(@Body() body: BulkReplayBody) {
    const rows = await this.events.resetForReplay(
      {
        statuses: [body.status],
        ...eventFilterOf(body),
      },
      body.limit,
    );
    const queued = await this.requeueAll(rows);
    return { replayed: rows.length, queuedNow: queued, ids: rows.map((r) => r.id) };
  }

  @Post(':id/replay')
  @HttpCode(202)
  async replayOne(@Param('id', ParseUUIDPipe) id: string) {
    const rows = await this.events.resetForReplay({ id, statuses: ['FAILED', 'SUCCEEDED'] });
    if (!rows.length) {
      const event = await this.events.findById(id);
      if (!event) throw new NotFoundException(`no event with id ${id}`);
      throw new ConflictException(`only FAILED or SUCCEEDED events can be replayed; this one is ${event.status}`);
    }
    await this.requeueAll(rows);
    return { id, status: 'QUEUED' satisfies WebhookEventStatus };
  }

  /** Rows are QUEUED already; if Redis is down now, the outbox sweeper queues them later. */
  private async requeueAll(rows: { id: string; eventType: string }[]): Promise<number> {
    let queued = 0;
    for (const row of rows) {
      try {
        if (await this.producer.requeue(row)) queued++;
      } catch {
        // left to the sweeper
      }
    }
    return queued;
  }
}
