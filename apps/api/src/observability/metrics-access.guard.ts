import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ApiConfig } from '@app/config';
import { adminCredentialsCheck } from './admin-credentials';

/**
 * /metrics tells queue sizes and error rates, nothing secret, but it is not for everyone: the admin
 * token (Prometheus: `authorization: { credentials: <token> }`, or basic_auth with the token as
 * password) unless METRICS_PUBLIC=true, for a port only the scraper can reach.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly authorised: (authorization: string | undefined) => boolean;

  constructor(private readonly config: ApiConfig) {
    this.authorised = adminCredentialsCheck(config.ADMIN_API_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    if (this.config.METRICS_PUBLIC || this.authorised(http.getRequest<FastifyRequest>().headers.authorization)) return true;
    http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException({ statusCode: 401, error: 'unauthorized', message: 'send Authorization: Bearer <ADMIN_API_TOKEN>' });
  }
}
