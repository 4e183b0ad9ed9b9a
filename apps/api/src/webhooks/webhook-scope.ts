import { Logger } from '@nestjs/common';
import { FastifyInstance } from 'fastify';

const scopes = new WeakMap<FastifyInstance, FastifyInstance>();

/**
 * Reserves a Fastify context of its own for the webhook route (issue #14), so that Nest's
 * middleware can be switched off for that route alone (`withoutNestMiddleware`). Call it before
 * `NestFactory.create`, which registers `@fastify/middie`: a context created later gets middie's
 * own copy of every middleware.
 */
export function reserveWebhookScope(fastify: FastifyInstance): void {
  void fastify.register(async (scope) => {
    scopes.set(fastify, scope);
  });
}

/**
 * The reserved context with Nest's middleware switched off, or the root when none was reserved.
 * middie's `onRequest` hook runs on every route of every context (Fastify hands root hooks down),
 * and on each request copies nine properties onto the raw request and runs Nest's middleware —
 * only nestjs-pino's, which excludes this route (`ROUTES_WITH_OWN_ACCESS_LOG`) after matching it:
 * ~3 % of the route's CPU. The hook does nothing in a context whose "has middleware" flag is
 * false; this context inherits the root's flag, and gets its own, false, here.
 */
export function withoutNestMiddleware(fastify: FastifyInstance): FastifyInstance {
  const scope = scopes.get(fastify);
  if (!scope) return fastify;
  const flag = Object.getOwnPropertySymbols(fastify).find((s) => s.description === 'fastify-middie-has-middlewares');
  if (flag) Object.defineProperty(scope, flag, { value: false, writable: true, configurable: true });
  else new Logger('WebhookRoute').warn("@fastify/middie's middleware flag not found: Nest's middleware runs on the webhook route too");
  return scope;
}
