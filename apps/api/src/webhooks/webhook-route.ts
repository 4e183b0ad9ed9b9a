import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiConfig } from '@app/config';
import { logAccess } from '@app/logging';
import { IngestStageTimings } from './ingest-stage-timings';
import { RequestWithRawBody, WEBHOOK_ROUTE } from './json-body-parser';
import { sendFailure, sendResult } from './webhook-answers';
import { WebhookIngestService } from './webhook-ingest.service';
import { withoutNestMiddleware } from './webhook-scope';

/**
 * `POST /webhooks/pleo`, registered straight on Fastify (issue #14): the hot route needs none of
 * Nest's pipeline (guards, pipes, interceptors, filters, middleware), which a CPU profile showed
 * as a visible share of each request; it is registered in a context that middie's hook (Nest's
 * middleware) does not run in either (`webhook-scope.ts`). It keeps the content-type parser, the access-log line and
 * every answer of the Nest route it replaces, and has its own body limit (`WEBHOOK_BODY_LIMIT_BYTES`; other routes
 * keep a small one).
 */
@Injectable()
export class WebhookRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ingest: WebhookIngestService,
    private readonly config: ApiConfig,
    @Optional() @Inject(IngestStageTimings) private readonly timings?: IngestStageTimings,
  ) {}

  onModuleInit(): void {
    // In a context of its own, where Nest's middleware does not run (`webhook-scope.ts`).
    const fastify = withoutNestMiddleware(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
    const timings = this.timings;
    fastify.post(
      WEBHOOK_ROUTE,
      {
        bodyLimit: this.config.WEBHOOK_BODY_LIMIT_BYTES,
        errorHandler: answerFastifyError,
        // The access-log line, written here rather than by pino-http's middleware (LoggingModule
        // excludes this route): the same line, at a fraction of the CPU.
        onResponse: (req, reply, done) => {
          timings?.finish(req);
          logAccess({ req: req.raw, id: req.id, res: reply.raw, responseTimeMs: reply.elapsedTime });
          done();
        },
        onRequestAbort: (req, done) => {
          logAccess({ req: req.raw, id: req.id });
          done();
        },
      },
      async (req, reply) => {
        let trace;
        if (timings) timings.link(req, (trace = timings.start(reply.elapsedTime)));
        try {
          const result = await this.ingest.ingest((req as RequestWithRawBody).rawBody ?? Buffer.alloc(0), req.headers, req.body, trace);
          trace?.mark('resumed');
          sendResult(reply, result);
        } catch (err) {
          trace?.mark('resumed');
          sendFailure(reply, err);
        }
        return reply;
      },
    );
  }
}

/** Fastify's own refusals (413 body too large, …) in the `{statusCode, message}` shape Nest gives them. */
function answerFastifyError(err: FastifyError, _req: unknown, reply: FastifyReply): void {
  if (err.statusCode && err.statusCode < 500) reply.status(err.statusCode).send({ statusCode: err.statusCode, message: err.message });
  else sendFailure(reply, err);
}
