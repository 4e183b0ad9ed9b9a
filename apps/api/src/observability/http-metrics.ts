import { FastifyInstance } from 'fastify';
import { outcomeOf } from '@app/logging';
import { observeHttpResponse } from '@app/metrics';

/** Times every answered request (and counts webhooks by outcome) once the answer is sent. */
export function installHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', async (request, reply) => observeHttpResponse(request, reply, outcomeOf));
}
