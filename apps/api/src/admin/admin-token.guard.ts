import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiConfig } from '@app/config';
import { CONSOLE_COOKIE, ConsoleSessions, cookieValue } from '../console/console-session';
import { sameOrigin } from '../observability/admin-credentials';

const digest = (value: string) => createHash('sha256').update(value).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Authorization: Bearer $ADMIN_API_TOKEN`, compared in constant time (hashing first hides the
 * length), or the operator console's session cookie (see console/console-session.ts). A browser
 * attaches the cookie by itself, so a change made with it (POST, PATCH, DELETE) must carry the
 * console's own Origin: SameSite=Strict already keeps the cookie off foreign sites' requests, the
 * Origin check refuses what slips through (a same-site subdomain, an old browser).
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;
  private readonly sessions: ConsoleSessions;

  constructor(config: ApiConfig) {
    this.expected = digest(config.ADMIN_API_TOKEN);
    this.sessions = new ConsoleSessions(config.ADMIN_API_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = /^Bearer (.+)$/.exec(header ?? '');
    if (match && timingSafeEqual(digest(match[1]), this.expected)) return true;
    if (header === undefined && this.sessions.valid(cookieValue(request.headers.cookie, CONSOLE_COOKIE))) {
      if (SAFE_METHODS.has(request.method) || (request.headers.origin && sameOrigin(request.headers.origin, request.headers.host))) return true;
      throw new ForbiddenException({ statusCode: 403, error: 'forbidden', message: 'changes with the console session are accepted from the console itself only' });
    }
    http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="admin"');
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'unauthorized',
      message: match ? 'the admin token is wrong' : 'send Authorization: Bearer <ADMIN_API_TOKEN>, or log in at /console',
    });
  }
}
