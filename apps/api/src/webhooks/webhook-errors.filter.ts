import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { InvalidEnvelope, WebhookVerificationFailed } from '@app/pleo';
import { setRequestOutcome } from '@app/logging';
import { StorageUnavailable } from './webhook-ingest.service';

/**
 * Turns the ingest path's failures into answers Pleo (and a person reading Pleo's delivery log)
 * can act on. 4xx: the request is wrong and retrying will not help. 503: try again later.
 */
@Catch(WebhookVerificationFailed, InvalidEnvelope, StorageUnavailable)
export class WebhookErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebhookIngest');

  catch(err: WebhookVerificationFailed | InvalidEnvelope | StorageUnavailable, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (err instanceof WebhookVerificationFailed) {
      setRequestOutcome(reply.raw, `rejected:${err.reason}`);
      reply.status(401).send({ statusCode: 401, error: err.reason, message: err.message });
    } else if (err instanceof InvalidEnvelope) {
      setRequestOutcome(reply.raw, 'rejected:invalid_body');
      reply.status(400).send({ statusCode: 400, error: 'invalid_body', message: err.message, details: err.details });
    } else {
      this.logger.error(`${err.message}: ${(err.cause as Error)?.message ?? err.cause}`);
      setRequestOutcome(reply.raw, 'unavailable:database');
      reply
        .status(503)
        .header('retry-after', '30')
        .send({
          statusCode: 503,
          error: 'storage_unavailable',
          message: 'The event store is unavailable; nothing was recorded. Retry later.',
        });
    }
  }
}
