import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { ApiConfig } from '@app/config';
import { ALL_QUEUES } from '@app/queue';
import { adminCredentialsCheck, sameOrigin } from './admin-credentials';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board, BullMQ's dashboard, at /admin/queues behind the admin token: HTTP Basic auth with the
 * token as password (the browser asks for it), or the bearer header. Read-only unless
 * QUEUE_DASHBOARD_READ_ONLY=false: retrying or removing a job by hand bypasses the event table, so
 * the default is to look, and replay through POST /admin/events/:id/replay.
 */
export async function installQueueDashboard(app: NestFastifyApplication, config: ApiConfig): Promise<void> {
  const readOnlyMode = config.QUEUE_DASHBOARD_READ_ONLY;
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'pleo-erp-sync queues' } },
  });
  const authorised = adminCredentialsCheck(config.ADMIN_API_TOKEN);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (!authorised(request.headers.authorization)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Basic realm="pleo-erp-sync queues", charset="UTF-8"')
            .send({ statusCode: 401, error: 'unauthorized', message: 'log in with any user name and the admin token as password' });
        }
        // A browser sends the cached Basic credentials with any request to this origin, also one a
        // foreign page makes it send: changes must come from the dashboard's own pages.
        if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request.headers.origin, request.headers.host)) {
          return reply.code(403).send({ statusCode: 403, error: 'forbidden', message: 'changes are accepted from the dashboard itself only' });
        }
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: QUEUE_DASHBOARD_PATH },
  );
}
