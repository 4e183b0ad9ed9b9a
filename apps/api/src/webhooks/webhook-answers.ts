import { Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { InvalidEnvelope, WebhookVerificationFailed } from '@app/pleo';
import { setRequestOutcome } from '@app/logging';
import { GroupCommitFull } from './group-commit';
import { IngestResult, StorageUnavailable } from './webhook-ingest.service';

const logger = new Logger('WebhookIngest');

/** The one place where the outcome of a webhook request is known and answered. */
export function sendResult(reply: FastifyReply, result: IngestResult): void {
  setRequestOutcome(reply.raw, result.outcome);
  reply.status(result.httpStatus).send(result.body);
}

/**
 * Turns the ingest path's failures into answers Pleo (and a person reading Pleo's delivery log)
 * can act on. 4xx: the request is wrong and retrying will not help. 503: try again later. Anything
 * else is a bug: 500 with the same body Nest gives, and the error in the log.
 */
export function sendFailure(reply: FastifyReply, err: unknown): void {
  if (err instanceof WebhookVerificationFailed) {
    setRequestOutcome(reply.raw, `rejected:${err.reason}`);
    reply.status(401).send({ statusCode: 401, error: err.reason, message: err.message });
  } else if (err instanceof InvalidEnvelope) {
    setRequestOutcome(reply.raw, 'rejected:invalid_body');
    reply.status(400).send({ statusCode: 400, error: 'invalid_body', message: err.message, details: err.details });
  } else if (err instanceof StorageUnavailable) {
    logger.error(`${err.message}: ${(err.cause as Error)?.message ?? err.cause}`);
    setRequestOutcome(reply.raw, 'unavailable:database');
    reply.status(503).header('retry-after', '30').send({
      statusCode: 503,
      error: 'storage_unavailable',
      message: 'The event store is unavailable; nothing was recorded. Retry later.',
    });
  } else if (err instanceof GroupCommitFull) {
    setRequestOutcome(reply.raw, 'unavailable:backlog');
    reply.status(503).header('retry-after', '5').send({
      statusCode: 503,
      error: 'ingest_backlog',
      message: 'Too many webhooks are waiting to be stored; nothing was recorded. Retry later.',
    });
  } else {
    logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    reply.status(500).send({ statusCode: 500, message: 'Internal server error' });
  }
}
