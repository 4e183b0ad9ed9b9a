import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { isShuttingDown } from '@app/runtime';
import { ReadinessService } from './readiness.service';

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * 503 while PostgreSQL cannot be reached, and from the moment SIGTERM arrives (O3: no new traffic
   * to a process that is stopping); Redis down is 200 "degraded" (see ReadinessService).
   */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (isShuttingDown()) {
      reply.status(503);
      return { status: 'shutting-down' };
    }
    const readiness = await this.readiness.check();
    reply.status(readiness.status === 'unavailable' ? 503 : 200);
    return readiness;
  }
}
