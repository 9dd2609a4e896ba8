import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Response } from 'express';
import { HealthRegistry } from './health.registry';
import { MetricsRegistry } from './metrics.registry';

@Controller()
export class ObservabilityController {
  constructor(
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
    @Inject(HealthCheckService) private readonly healthCheck: HealthCheckService,
  ) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(await this.metrics.metrics());
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.healthCheck.check(this.health.all());
  }
}
