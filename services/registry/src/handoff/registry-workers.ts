import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EVENT_NAMES, OssaError, type HandoffRequestDto } from '@ossa/contracts';
import { EventPublisher, type StreamDelivery } from '@ossa/messaging';
import type { AuditActor } from '@ossa/security';
import { RegistryConfig } from '../registry-config';
import { RegistryMetrics } from '../registry.metrics';
import { FailoverService } from './failover.service';
import { HandoffService } from './handoff.service';

/**
 * The registry's background work: placing submitted tasks (a task that cannot be placed yet is retried with
 * backoff until its deadline, then `handoffFailed`), and the sweeper (FailoverService) that marks silent
 * agents failed, hands their tasks over, retries waiting tasks and reconciles loads.
 */
@Injectable()
export class RegistryWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(HandoffService) private readonly handoff: HandoffService,
    @Inject(FailoverService) private readonly failover: FailoverService,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(RegistryMetrics) private readonly registryMetrics: RegistryMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The sweep never rejects (each step is guarded); what a stopped or crashed registry left is taken up at once.
    this.sweeping = this.sweepOnce();
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweepOnce();
    }, this.config.SWEEP_INTERVAL_MS);
  }

  private sweepOnce(): Promise<void> {
    return this.failover
      .sweep()
      .then(() => this.registryMetrics.swept())
      .finally(() => (this.sweeping = undefined));
  }

  // Before the store and NATS close: finish the sweep in progress.
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /**
   * A submitted task (already validated); throwing asks for a retry. A long negotiation tells the server it
   * is still at work (`working()`), so its message is not redelivered meanwhile.
   */
  async placeSubmitted(task: HandoffRequestDto, delivery?: StreamDelivery, submitter?: AuditActor): Promise<void> {
    const deadline = task.deadline ? Date.parse(task.deadline) : Number.POSITIVE_INFINITY;
    try {
      // On the caller-scoped subject the server proved the submitting client; the plain subject proves no one.
      await this.handoff.negotiate(task, {
        ...(delivery ? { keepAlive: () => delivery.working() } : {}),
        actor: submitter ?? { kind: 'unproven', id: 'tasks-submit' },
      });
    } catch (err) {
      if (!(err instanceof OssaError) || err.code === 'INTERNAL') throw err;
      if (Date.now() < deadline) throw err; // not placeable yet: nak with backoff, try again
      await this.events.publish(
        EVENT_NAMES.handoffFailed,
        {
          taskId: task.id,
          reason: err.code,
          message: err.message,
          details: err.details,
          deliveries: delivery?.deliveryCount ?? 1,
        },
        { id: `handoffFailed:${task.id}` },
      );
      this.registryMetrics.failed(err.code);
    }
  }
}
