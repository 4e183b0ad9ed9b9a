import { FastifyInstance } from 'fastify';

/**
 * HTML forms (the connect flow's organisation chooser) post application/x-www-form-urlencoded:
 * parsed into a plain object of strings (the last value of a repeated name wins). Installed once.
 */
export function installFormBodyParser(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser('application/x-www-form-urlencoded')) return;
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
