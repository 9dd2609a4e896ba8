import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { Conflict, ResolutionPlan } from '@ossa/conflict';
import { MetricsRegistry } from '@ossa/observability';

/** Conflict resolution rate and latency, by strategy and conflict kind. */
@Injectable()
export class ConflictMetrics {
  private readonly detected: Counter<'kind'>;
  private readonly resolutions: Counter<'strategy'>;
  private readonly latency: Histogram;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.detected = new Counter({ name: 'ossa_conflicts_detected_total', help: 'Conflicts found, by kind.', labelNames: ['kind'], registers });
    this.resolutions = new Counter({ name: 'ossa_conflict_resolutions_total', help: 'Resolutions, by chosen strategy.', labelNames: ['strategy'], registers });
    this.latency = new Histogram({
      name: 'ossa_conflict_resolution_seconds',
      help: 'Time to resolve a conflict set, ledger record included.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
  }

  conflictsDetected(conflicts: Conflict[]): void {
    for (const c of conflicts) this.detected.inc({ kind: c.kind });
  }

  resolved(plan: ResolutionPlan, durationMs: number): void {
    this.conflictsDetected(plan.conflicts);
    this.resolutions.inc({ strategy: plan.strategy });
    this.latency.observe(durationMs / 1000);
  }
}
