import { BadRequestException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { WebhookEventRepository } from '@app/database';
import { AdminTokenGuard } from './admin-token.guard';
import { eventFilterOf } from './event-filter.query';
import { ListEventsQuery, decodeCursor, encodeCursor } from './list-events.query';

@Controller('admin/events')
@UseGuards(AdminTokenGuard)
export class AdminEventsController {
  constructor(private readonly events: WebhookEventRepository) {}

  /** Newest first; pass `nextCursor` back as `cursor` for the next page. */
  @Get()
  async list(@Query() query: ListEventsQuery) {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null) throw new BadRequestException('cursor must be a nextCursor value from a previous page');
    const { rows, hasMore } = await this.events.list(
      {
        status: query.status,
        ...eventFilterOf(query),
      },
      query.limit,
      after,
    );
    const last = rows.at(-1);
    return { data: rows, nextCursor: hasMore && last ? encodeCursor(last) : null };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const event = await this.events.findById(id);
    if (!event) throw new NotFoundException(`no event with id ${id}`);
    return { data: event };
  }
}
