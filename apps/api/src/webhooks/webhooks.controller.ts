import { Controller, Post, Req, Res, UseFilters } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { setRequestOutcome } from '@app/logging';
import { RequestWithRawBody, WEBHOOK_ROUTE } from './json-body-parser';
import { WebhookErrorsFilter } from './webhook-errors.filter';
import { WebhookIngestService } from './webhook-ingest.service';

@Controller()
@UseFilters(WebhookErrorsFilter)
export class WebhooksController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @Post(WEBHOOK_ROUTE)
  async receive(@Req() req: RequestWithRawBody, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.ingest.ingest(req.rawBody ?? Buffer.alloc(0), req.headers, req.body);
    setRequestOutcome(reply.raw, result.outcome);
    reply.status(result.httpStatus);
    return result.body;
  }
}
