import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@ossa/observability';
import type { RegistryStore } from './agents/agent.record';
import { REGISTRY_STORE } from './registry.tokens';

@Injectable()
export class RegistryMetrics {
  private readonly latency: Histogram;
  private readonly rounds: Histogram;
  private readonly failovers: Counter;
  private readonly failures: Counter<'reason'>;
  private readonly steps: Histogram<'step'>;
  private readonly sweeps: Counter;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry, @Inject(REGISTRY_STORE) store: RegistryStore) {
    const registers = [metrics.registry];
    this.latency = new Histogram({
      name: 'ossa_handoff_seconds',
      help: 'Time to negotiate a handoff, bids, ledger claim and award included.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.rounds = new Histogram({ name: 'ossa_handoff_rounds', help: 'Bidding rounds per negotiation.', buckets: [1, 2, 3, 5, 10], registers });
    this.steps = new Histogram({
      name: 'ossa_handoff_step_seconds',
      help: 'Time of each step of a handoff: candidate search, bids, the ledger steps (claim, recorded, delivered), load, award, record, publish, event.',
      labelNames: ['step'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.failovers = new Counter({ name: 'ossa_handoff_failovers_total', help: 'Tasks handed over again after their agent failed.', registers });
    this.sweeps = new Counter({ name: 'ossa_registry_sweeps_total', help: 'Sweeps (silent agents, failover, waiting tasks, stranded placements, loads) this instance finished.', registers });
    this.failures = new Counter({ name: 'ossa_handoff_failures_total', help: 'Submitted tasks given up (handoffFailed), by reason.', labelNames: ['reason'], registers });
    new Gauge({
      name: 'ossa_agents',
      help: 'Registered agents by state.',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await store.countByState().catch(() => ({}) as Record<string, number>);
        this.reset();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }

  handoff(seconds: number, rounds: number): void {
    this.latency.observe(seconds);
    this.rounds.observe(rounds);
  }

  /** Times `work` as one step of a handoff. */
  async step<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.stepTook(step, performance.now() - started);
    }
  }

  stepTook(step: string, ms: number): void {
    this.steps.observe({ step }, ms / 1000);
  }

  failover(): void {
    this.failovers.inc();
  }

  swept(): void {
    this.sweeps.inc();
  }

  failed(reason: string): void {
    this.failures.inc({ reason });
  }
}
