import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiConfig } from '@app/config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer $ADMIN_API_TOKEN`, compared in constant time (hashing first hides the length). */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: ApiConfig) {
    this.expected = digest(config.ADMIN_API_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const header = http.getRequest<FastifyRequest>().headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="admin"');
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'unauthorized',
      message: match ? 'the admin token is wrong' : 'send Authorization: Bearer <ADMIN_API_TOKEN>',
    });
  }
}
