import { Controller, Get, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ReadinessService } from './readiness.service';

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** 503 only while PostgreSQL cannot be reached; Redis down is 200 "degraded" (see ReadinessService). */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const readiness = await this.readiness.check();
    reply.status(readiness.status === 'unavailable' ? 503 : 200);
    return readiness;
  }
}
