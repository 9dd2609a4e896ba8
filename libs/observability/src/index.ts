export { MetricsRegistry } from './metrics.registry';
export { HealthRegistry, type HealthCheckFn } from './health.registry';
export { createLogger, PinoNestLogger, type Logger } from './logger';
export { ObservabilityModule } from './observability.module';
