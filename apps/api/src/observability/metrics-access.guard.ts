import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiConfig } from '@app/config';
import { AdminTokenGuard } from '../admin/admin-token.guard';

/**
 * /metrics tells queue sizes and error rates, nothing secret, but it is not for everyone: the admin
 * token (Prometheus sends it with `authorization: { credentials: … }`) unless METRICS_PUBLIC=true,
 * for a port only the scraper can reach.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly admin: AdminTokenGuard;

  constructor(private readonly config: ApiConfig) {
    this.admin = new AdminTokenGuard(config);
  }

  canActivate(context: ExecutionContext): boolean {
    return this.config.METRICS_PUBLIC || this.admin.canActivate(context);
  }
}
