import type { HealthIndicatorResult } from '@nestjs/terminus';

export type HealthCheckFn = () => Promise<HealthIndicatorResult>;

/** Modules register the checks that matter to their service (NATS, JetStream, MongoDB, ...). */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheckFn>();

  register(key: string, check: HealthCheckFn): void {
    this.checks.set(key, check);
  }

  all(): HealthCheckFn[] {
    return [...this.checks.values()];
  }

  keys(): string[] {
    return [...this.checks.keys()];
  }
}
