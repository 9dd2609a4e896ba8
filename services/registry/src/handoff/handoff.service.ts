import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { describeMissing, planFailover, scoreAndRank, type HandoffTask, type RegistryAgent, type ScoredCandidate } from '@ossa/registry';
import { EVENT_NAMES, OssaError, subjectToken, type HandoffRequestDto } from '@ossa/contracts';
import { EventPublisher, LedgerClient, LOGGER, NatsConnectionService } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { AgentDirectory } from '../agents/agent-directory';
import type { AgentRecord, HandoffRecord, RegistryStore } from '../agents/agent.record';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import { RegistryMetrics } from '../registry.metrics';
import { award, collectBids, ListenerMemory, type BidOutcome } from './bidding';

export interface NegotiationRecord {
  id: string;
  taskId: string;
  selectedAgent: string;
  candidates: { agentId: string; score: number; breakdown: ScoredCandidate['breakdown']; bid?: BidOutcome['kind'] }[];
  rounds: number;
  status: 'assigned' | 'already_assigned' | 'reassigned';
  durationMs: number;
}

export interface NegotiateOptions {
  /** Failover: the failed agent the task leaves; the claim moves only if the task is still its. */
  from?: string;
}

/** Ledger key holding the agent a task is assigned to. */
export const assignmentKey = (taskId: string) => `handoff/task/${taskId}/assignee`;

/** The record of a task just assigned to an agent (the task kept as plain JSON). */
function newHandoff(task: HandoffRequestDto, agentId: string, negotiationId: string): HandoffRecord {
  return { taskId: task.id, agentId, negotiationId, status: 'assigned', task: JSON.parse(JSON.stringify(task)) as Record<string, unknown>, assignedAt: new Date().toISOString(), failovers: 0 };
}

/**
 * Handoff negotiation: candidates from the registry, scored by the core, invited to bid (contract net);
 * the winner is claimed with compare-and-set in the coordination ledger, so racing registry instances
 * still assign a task to exactly one agent, then awarded, loaded and sent the task durably.
 */
@Injectable()
export class HandoffService {
  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(AgentDirectory) private readonly directory: AgentDirectory,
    @Inject(ListenerMemory) private readonly listeners: ListenerMemory,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(NatsConnectionService) private readonly nats: NatsConnectionService,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(RegistryMetrics) private readonly metrics: RegistryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async negotiate(task: HandoffRequestDto, options: NegotiateOptions = {}): Promise<NegotiationRecord> {
    const started = performance.now();
    const id = randomUUID();
    // A task assigned before (a redelivered submission, a retried request) is found by the claim in the ledger
    // or by the handoff record's unique task id, and answered as already_assigned.
    const now = Date.now();
    const exclude = new Set<string>(options.from ? [options.from] : []);
    const search = this.directory.findCandidates(task as unknown as HandoffTask, now, { heartbeatTimeoutMs: this.config.HEARTBEAT_TIMEOUT_MS, excludeAgentIds: exclude });
    if (search.outcome === 'missing_capability') {
      throw new OssaError('NOT_FOUND', `No agent offers ${describeMissing(search.missing)}`, search.missing.map((m) => ({ field: 'requiredCapabilities', message: `no agent offers ${m.capabilityId}${m.version ? ` ${m.version}` : ''}`, value: m })));
    }
    if (search.outcome === 'capacity_exceeded') {
      throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `all ${search.full} capable agents are busy or at maxLoad` }]);
    }
    if (search.outcome === 'unavailable') {
      throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `${search.unavailable} capable agents, none available (offline, failed, in maintenance or silent)` }]);
    }
    const ranked = scoreAndRank(task as unknown as HandoffTask, search.candidates, now);
    const seen: NegotiationRecord['candidates'] = [];
    let rounds = 0;
    for (let offset = 0; offset < ranked.length; offset += this.config.MAX_BIDDERS) {
      rounds++;
      const round = ranked.slice(offset, offset + this.config.MAX_BIDDERS);
      const bids = await collectBids(this.nats, round.map((c) => c.agentId), { negotiationId: id, taskId: task.id, task, bidWindowMs: this.config.BID_WINDOW_MS }, this.config.BID_WINDOW_MS, this.listeners);
      const byAgent = new Map(bids.map((b) => [b.agentId, b]));
      for (const c of round) seen.push({ agentId: c.agentId, score: c.score, breakdown: c.breakdown, bid: byAgent.get(c.agentId)?.kind });
      // Bidders and agents that do not bid are eligible; a bid's confidence scales its score.
      const eligible = round
        .map((c) => ({ c, b: byAgent.get(c.agentId)! }))
        .filter(({ b }) => b.kind === 'bid' || b.kind === 'not_bidding')
        .map(({ c, b }) => ({ agentId: c.agentId, final: c.score * (b.kind === 'bid' ? b.confidence : 1) }))
        .sort((x, y) => y.final - x.final || (x.agentId < y.agentId ? -1 : 1));
      for (const { agentId } of eligible) {
        const outcome = await this.tryAssign(task, agentId, id, options.from);
        if (outcome === 'assigned') {
          const status = options.from ? 'reassigned' : 'assigned';
          const record = this.record(id, task.id, agentId, seen, rounds, status, started);
          this.metrics.handoff(record.durationMs / 1000, rounds);
          await this.events.publish(EVENT_NAMES.handoffCompleted, record, { id: `handoffCompleted:${task.id}:${agentId}:${options.from ?? 'first'}` });
          return record;
        }
        if (typeof outcome === 'object') return this.record(id, task.id, outcome.assignedTo, seen, rounds, 'already_assigned', started);
      }
    }
    throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `all ${ranked.length} capable agents declined, were silent, or filled up` }]);
  }

  /** Claim (ledger CAS), record, load, award and deliver; undoes the claim when the agent cannot take the task. */
  private async tryAssign(task: HandoffRequestDto, agentId: string, negotiationId: string, from?: string): Promise<'assigned' | 'next' | { assignedTo: string }> {
    const key = assignmentKey(task.id);
    const claim = await this.ledger.compareAndSet(key, from, agentId);
    if (claim && !claim.applied) {
      if (!claim.value || claim.value === from) return 'next';
      // Stored data: it names subjects below, so it must be one subject token (never spaces or CR/LF).
      subjectToken(claim.value, `assignee of task ${JSON.stringify(task.id)} in the ledger`);
      await this.recoverAssignment(task, claim.value, negotiationId);
      return { assignedTo: claim.value };
    }
    const handoff = newHandoff(task, agentId, negotiationId);
    // The record follows the claim at once. Whoever inserts it — this negotiation, or an instance recovering
    // a claim it found without a record — loads the agent and delivers the task.
    if (!from && !(await this.store.insertHandoffIfAbsent(handoff))) {
      const existing = await this.store.getHandoff(task.id);
      if (!existing) return 'next';
      return existing.agentId === agentId ? 'assigned' : { assignedTo: existing.agentId };
    }
    const release = async () => {
      if (claim) await this.ledger.compareAndSet(key, agentId, from);
      if (!from) await this.store.completeHandoff(task.id, agentId, 'failed', new Date().toISOString());
    };
    const loaded = await this.adjustLoad(agentId, 1);
    if (!loaded) {
      await release();
      return 'next';
    }
    if (!(await award(this.nats, agentId, negotiationId, task, this.config.AWARD_TIMEOUT_MS, this.listeners))) {
      await this.adjustLoad(agentId, -1);
      await release();
      return 'next';
    }
    if (from) {
      await this.store.reassignHandoff(task.id, from, agentId, negotiationId);
      await this.adjustLoad(from, -1).catch(() => null);
    }
    await this.deliver(task, agentId, negotiationId);
    return 'assigned';
  }

  /**
   * The ledger names an assignee: finish that assignment instead of leaving the task nowhere. A registry
   * stopped or killed after its claim may have left no record (record, load, delivery and event follow), or a
   * record whose task was never delivered (delivery and event follow). Delivery and event carry stable ids,
   * so a retried request or a redelivered submission within the stream's duplicate window adds neither again;
   * past the window the agent may see the assignment again (at least once, and only ever to this agent).
   */
  private async recoverAssignment(task: HandoffRequestDto, agentId: string, negotiationId: string): Promise<void> {
    const existing = await this.store.getHandoff(task.id);
    if (existing && (existing.agentId !== agentId || existing.status !== 'assigned' || existing.failovers > 0)) return;
    if (!existing) {
      if (!(await this.store.insertHandoffIfAbsent(newHandoff(task, agentId, negotiationId)))) return;
      // The assignment stands even if the agent is at maxLoad now: it was agreed before.
      if (!(await this.adjustLoad(agentId, 1))) this.logger.warn({ taskId: task.id, agentId }, 'recovered assignment on an agent at maxLoad or not available');
      this.logger.warn({ taskId: task.id, agentId }, 'recovered an assignment claimed in the ledger without a record');
    }
    const id = existing?.negotiationId ?? negotiationId;
    await this.deliver(task, agentId, id);
    await this.events.publish(EVENT_NAMES.handoffCompleted, this.record(id, task.id, agentId, [], 0, 'assigned', performance.now()), { id: `handoffCompleted:${task.id}:${agentId}:first` });
  }

  /** Changes the agent's load in the store (the authority) and keeps the directory's copy in step. */
  async adjustLoad(agentId: string, delta: number): Promise<AgentRecord | null> {
    const agent = await this.store.adjustLoad(agentId, delta, this.directory.get(agentId)?.maxLoad);
    if (agent) this.directory.changed(agent);
    return agent;
  }

  /** The agent may be offline now: the task waits for it on its own subject in the tasks stream. */
  private async deliver(task: HandoffRequestDto, agentId: string, negotiationId: string): Promise<void> {
    await this.nats.js.publish(this.nats.subjects.tasksAssigned(agentId), new TextEncoder().encode(JSON.stringify({ negotiationId, taskId: task.id, agentId, task })), {
      // Stable per task and agent: a repeated delivery within the stream's duplicate window is dropped.
      msgID: `assigned:${task.id}:${agentId}`,
    });
  }

  private record(id: string, taskId: string, selectedAgent: string, candidates: NegotiationRecord['candidates'], rounds: number, status: NegotiationRecord['status'], started: number): NegotiationRecord {
    return { id, taskId, selectedAgent, candidates, rounds, status, durationMs: Math.round((performance.now() - started) * 100) / 100 };
  }

  /** Hands every in-flight task of a failed agent to others in the core's failover order (docs/registry.md). */
  async failover(agent: AgentRecord): Promise<{ reassigned: string[]; waiting: string[]; expired: string[] }> {
    const handoffs = await this.store.handoffsOf(agent.id);
    const tasks = handoffs.map((h) => h.task as unknown as HandoffTask);
    const wanted = tasks.flatMap((t) => (t.requiredCapabilities ?? []).flatMap((r) => [r.capabilityId, ...(r.alternatives ?? [])]));
    const others = (await this.store.agentsWithCapabilities(wanted)) as unknown as RegistryAgent[];
    const plan = planFailover(agent.id, tasks, others, Date.now(), { heartbeatTimeoutMs: this.config.HEARTBEAT_TIMEOUT_MS });
    const reassigned: string[] = [];
    const waiting = plan.waiting.map((e) => e.task.id);
    for (const { task } of plan.renegotiate) {
      try {
        const r = await this.negotiate(task as unknown as HandoffRequestDto, { from: agent.id });
        if (r.status === 'reassigned') {
          reassigned.push(task.id);
          this.metrics.failover();
        }
      } catch (err) {
        waiting.push(task.id);
        this.logger.warn({ err, taskId: task.id, agentId: agent.id }, 'failover found no agent for the task');
      }
    }
    for (const task of plan.expired) {
      await this.store.completeHandoff(task.id, agent.id, 'failed', new Date().toISOString());
      await this.events.publish(EVENT_NAMES.handoffFailed, { taskId: task.id, reason: 'DEADLINE_PASSED', failedAgent: agent.id }, { id: `handoffFailed:${task.id}` });
    }
    return { reassigned, waiting, expired: plan.expired.map((t) => t.id) };
  }
}
