import { BadRequestException } from '@nestjs/common';
import { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';

export const WEBHOOK_ROUTE = '/webhooks/pleo';

/** The body of a webhook request whose bytes are not valid JSON; reported only after the signature is checked. */
export class MalformedJson {
  constructor(readonly reason: string) {}
}

export type RequestWithRawBody = FastifyRequest & { rawBody?: Buffer };

/**
 * Replaces Fastify's JSON parser so the exact bytes stay available for the signature check
 * (`request.rawBody`). On the webhook route a parse error is deferred (`MalformedJson`) so that an
 * unsigned request is answered 401 before anything else is said about its body; elsewhere it is a
 * plain 400. `__proto__` / `constructor.prototype` keys are refused, as Fastify's own parser does.
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    (request as RequestWithRawBody).rawBody = raw;
    const deferErrors = request.routeOptions.url === WEBHOOK_ROUTE;
    try {
      done(null, raw.length === 0 ? undefined : secureJson.parse(raw, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      const reason = `body is not valid JSON: ${(err as Error).message}`;
      if (deferErrors) return done(null, new MalformedJson(reason));
      done(new BadRequestException(reason), undefined);
    }
  });
}
