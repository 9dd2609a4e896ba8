import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { DecisionResult } from '@ossa/decision';
import { MetricsRegistry } from '@ossa/observability';

/** Decision quality and throughput: outcomes, confidence, latency, refusals. */
@Injectable()
export class DecisionMetrics {
  private readonly decisions: Counter<'votingSystem' | 'outcome'>;
  private readonly refusals: Counter<'code'>;
  private readonly confidence: Histogram;
  private readonly latency: Histogram;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.decisions = new Counter({ name: 'ossa_decisions_total', help: 'Decisions made, by voting system and outcome.', labelNames: ['votingSystem', 'outcome'], registers });
    this.refusals = new Counter({ name: 'ossa_decision_refusals_total', help: 'Decision requests refused, by error code.', labelNames: ['code'], registers });
    this.confidence = new Histogram({ name: 'ossa_decision_confidence', help: 'Confidence of decisions made.', buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], registers });
    this.latency = new Histogram({
      name: 'ossa_decision_seconds',
      help: 'Time to make a decision, ballot collection and ledger record included.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  decided(result: DecisionResult, durationMs: number): void {
    this.decisions.inc({ votingSystem: result.votingSystem, outcome: result.outcome });
    this.confidence.observe(result.confidence);
    this.latency.observe(durationMs / 1000);
  }

  failed(code: string): void {
    this.refusals.inc({ code });
  }
}
