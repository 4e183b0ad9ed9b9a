import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { METRICS_CONTENT_TYPE, renderMetrics } from '@app/metrics';
import { MetricsAccessGuard } from './metrics-access.guard';

@Controller('metrics')
export class MetricsController {
  @Get()
  @UseGuards(MetricsAccessGuard)
  @Header('content-type', METRICS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (admin token unless METRICS_PUBLIC=true)' })
  metrics(): Promise<string> {
    return renderMetrics();
  }
}
