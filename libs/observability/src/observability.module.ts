import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthRegistry } from './health.registry';
import { MetricsRegistry } from './metrics.registry';
import { ObservabilityController } from './observability.controller';

@Module({})
export class ObservabilityModule {
  static forRoot(metrics: MetricsRegistry): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [ObservabilityController],
      providers: [{ provide: MetricsRegistry, useValue: metrics }, HealthRegistry],
      exports: [MetricsRegistry, HealthRegistry],
    };
  }
}
