import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_NAMES, OssaError, type HandoffRequestDto } from '@ossa/contracts';
import { EventPublisher, LOGGER } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { AgentDirectory } from '../agents/agent-directory';
import type { RegistryStore } from '../agents/agent.record';
import { RegistryConfig } from '../registry-config';
import { RegistryMetrics } from '../registry.metrics';
import { REGISTRY_STORE } from '../registry.tokens';
import { HandoffService } from './handoff.service';

/**
 * The registry's background work: placing submitted tasks (a task that cannot be placed yet is retried with
 * backoff until its deadline, then `handoffFailed`), and the heartbeat sweeper that marks silent agents
 * failed and hands their tasks over.
 */
@Injectable()
export class RegistryWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(AgentDirectory) private readonly directory: AgentDirectory,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(HandoffService) private readonly handoff: HandoffService,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(RegistryMetrics) private readonly registryMetrics: RegistryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.sweeper = setInterval(() => {
      // A failed sweep is logged and tried again at the next interval; it never rejects unhandled.
      this.sweeping ??= this.sweep()
        .catch((err) => this.logger.error({ err }, 'heartbeat sweep failed; retried at the next interval'))
        .finally(() => (this.sweeping = undefined));
    }, this.config.SWEEP_INTERVAL_MS);
  }

  // Before the store and NATS close: finish the sweep in progress.
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
  }

  /** A submitted task (already validated), on its `deliveryCount`-th delivery; throwing asks for a retry. */
  async placeSubmitted(task: HandoffRequestDto, deliveryCount: number): Promise<void> {
    const deadline = task.deadline ? Date.parse(task.deadline) : Number.POSITIVE_INFINITY;
    try {
      await this.handoff.negotiate(task);
    } catch (err) {
      if (!(err instanceof OssaError) || err.code === 'INTERNAL') throw err;
      if (Date.now() < deadline) throw err; // not placeable yet: nak with backoff, try again
      await this.events.publish(EVENT_NAMES.handoffFailed, { taskId: task.id, reason: err.code, message: err.message, details: err.details, deliveries: deliveryCount }, { id: `handoffFailed:${task.id}` });
      this.registryMetrics.failed(err.code);
    }
  }

  /** Marks silent agents failed (once across instances) and fails their tasks over. */
  async sweep(): Promise<void> {
    const cutoffMs = Date.now() - this.config.HEARTBEAT_TIMEOUT_MS;
    const cutoff = new Date(cutoffMs).toISOString();
    // This instance's view proposes; the store's conditional update decides (and only one instance wins it).
    for (const agent of this.directory.silentSince(cutoffMs)) {
      const failed = await this.store.failIfStale(agent.id, cutoff);
      if (!failed) continue;
      this.directory.changed(failed);
      const inFlight = (await this.store.handoffsOf(agent.id)).map((h) => h.taskId);
      await this.events.publish(EVENT_NAMES.agentFailed, { agentId: agent.id, lastHeartbeat: agent.lastHeartbeat, inFlight }, { id: `agentFailed:${agent.id}:${agent.lastHeartbeat}` });
      const outcome = await this.handoff.failover(agent);
      this.logger.warn({ agentId: agent.id, ...outcome }, 'agent failed; tasks handed over');
    }
  }
}
