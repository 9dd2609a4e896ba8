import { Inject, Injectable, Optional } from '@nestjs/common';
import { EVENT_NAMES, HandoffRequestDto, OssaError, validateDto } from '@ossa/contracts';
import { AuditPublisher, EventPublisher, LOGGER } from '@ossa/messaging';
import type { Logger } from '@ossa/observability';
import { planFailover, type HandoffTask, type RegistryAgent } from '@ossa/registry';
import { AgentDirectory } from '../agents/agent-directory';
import type { HandoffRecord, RegistryStore } from '../agents/agent.record';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import { crashPoint } from './crash-points';
import { HandoffService, isFinalRefusal } from './handoff.service';
import { PLACEMENT_JOURNAL, type OpenPlacement, type PlacementJournal } from './placement-journal';

/** Waiting tasks negotiated again per sweep: bounds one sweep's work; the rest wait for the next. */
const WAITING_PER_SWEEP = 200;
/** Stranded request-reply placements negotiated again per sweep. */
const PLACEMENTS_PER_SWEEP = 100;

/**
 * The registry's repair loop, run by every instance each SWEEP_INTERVAL_MS and resumable at any point,
 * because its work is what the store and the ledger say, not what a process remembers:
 * 1. agents silent past HEARTBEAT_TIMEOUT_MS are marked failed (once across instances);
 * 2. every agent that is failed or gone and still holds tasks (records `assigned`) has them moved off
 *    (reassigned in the ledger, `waiting` in the store) — so a sweep that crashed is finished by the next;
 * 3. waiting tasks are negotiated again (past their deadline: handoffFailed);
 * 4. request-reply placements whose negotiation stopped (its registry died; the ledger or the store
 *    failed under it) are negotiated again from the placement journal: a claim it left is finished or
 *    released by that negotiation, so the task ends delivered once or refused with `handoffFailed`;
 * 5. each agent's load is set to its count of assigned records when the two differ twice running.
 */
@Injectable()
export class FailoverService {
  /** Mismatches (`id:load:count`) and when each was first seen: one that lasts is not an assignment in flight. */
  private suspects = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(AgentDirectory) private readonly directory: AgentDirectory,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(HandoffService) private readonly handoff: HandoffService,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(AuditPublisher) private readonly audit?: AuditPublisher,
    @Optional() @Inject(PLACEMENT_JOURNAL) private readonly journal?: PlacementJournal,
  ) {}

  /** One pass of every step; a failure of one agent or task is logged and the pass goes on. Never rejects. */
  async sweep(): Promise<void> {
    await this.guard('mark silent agents failed', () => this.markSilent());
    // One count of the assignments serves both steps (an aggregate on MongoDB).
    let counts: Map<string, number> | undefined;
    await this.guard('count assignments', async () => void (counts = await this.store.assignedCounts()));
    if (counts) await this.guard('move tasks off failed agents', () => this.moveOffLostAgents(counts!));
    await this.guard('negotiate waiting tasks', () => this.retryWaiting());
    await this.guard('resume stranded placements', () => this.resumePlacements());
    if (counts) await this.guard('reconcile loads', () => this.reconcileLoads(counts!));
  }

  /** Deregistration: the agent's tasks are moved at once (the sweep finishes it if this process stops). */
  agentRemoved(agentId: string): void {
    void this.failoverAgent(agentId).catch((err: unknown) => this.logger.warn({ err, agentId }, 'failover after deregistration did not finish; the sweep retries it'));
  }

  private async guard(step: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn({ err, step }, 'sweep step failed; retried at the next sweep');
    }
  }

  private async markSilent(): Promise<void> {
    const cutoffMs = Date.now() - this.config.HEARTBEAT_TIMEOUT_MS;
    const cutoff = new Date(cutoffMs).toISOString();
    // This instance's view proposes; the store's conditional update decides (and only one instance wins it).
    for (const agent of this.directory.silentSince(cutoffMs)) {
      try {
        const failed = await this.store.failIfStale(agent.id, cutoff);
        if (!failed) continue;
        this.directory.changed(failed);
        crashPoint('failover.agent-failed');
        const inFlight = (await this.store.handoffsOf(agent.id)).map((h) => h.taskId);
        await this.events.publish(EVENT_NAMES.agentFailed, { agentId: agent.id, lastHeartbeat: agent.lastHeartbeat, inFlight }, { id: `agentFailed:${agent.id}:${agent.lastHeartbeat}` });
        await this.audit?.record({ action: 'agentFailed', outcome: 'ok', agentId: agent.id, details: { lastHeartbeat: agent.lastHeartbeat, inFlight } });
      } catch (err) {
        this.logger.warn({ err, agentId: agent.id }, 'could not mark a silent agent failed');
      }
    }
  }

  /** Agents with assigned records that are failed or no longer registered. */
  private async moveOffLostAgents(counts: Map<string, number>): Promise<void> {
    for (const agentId of counts.keys()) {
      const agent = this.directory.get(agentId) ?? (await this.store.getAgent(agentId));
      if (agent && agent.state !== 'failed') continue;
      try {
        await this.failoverAgent(agentId);
      } catch (err) {
        this.logger.warn({ err, agentId }, 'failover did not finish; retried at the next sweep');
      }
    }
  }

  /** One failover per agent at a time in this process; others (instances, sweeps) are fenced by the ledger. */
  failoverAgent(agentId: string): Promise<void> {
    const running = this.running.get(agentId);
    if (running) return running;
    const work = this.failoverNow(agentId).finally(() => this.running.delete(agentId));
    this.running.set(agentId, work);
    return work;
  }

  private async failoverNow(agentId: string): Promise<void> {
    const handoffs = await this.store.handoffsOf(agentId);
    if (handoffs.length === 0) return;
    const moved: HandoffRecord[] = [];
    for (const h of handoffs) {
      try {
        if ((await this.handoff.moveOff(h)) === 'waiting') moved.push(h);
      } catch (err) {
        this.logger.warn({ err, taskId: h.taskId, agentId }, 'task not moved off a lost agent; retried at the next sweep');
      }
    }
    const outcome = await this.renegotiate(moved);
    this.logger.warn({ agentId, moved: moved.length, ...outcome }, 'agent lost; tasks handed over');
  }

  /** Journal entries older than CLAIM_STALE_MS whose negotiation is not running here. */
  private async resumePlacements(): Promise<void> {
    if (!this.journal) return;
    const stale = await this.journal.stale(Date.now() - this.config.CLAIM_STALE_MS, PLACEMENTS_PER_SWEEP);
    for (const placement of stale) {
      if (this.handoff.isNegotiating(placement.task.id)) continue;
      // One placement's failure (the journal or the event stream unreachable) never stops the others.
      try {
        await this.resume(placement);
      } catch (err) {
        this.logger.warn({ err, taskId: placement.task.id }, 'stranded placement not resumed; retried at the next sweep');
      }
    }
  }

  private async resume(placement: OpenPlacement): Promise<void> {
    const taskId = placement.task.id;
    let task: HandoffRequestDto;
    try {
      task = validateDto(HandoffRequestDto, placement.task);
    } catch (err) {
      // Not what this registry wrote (the bucket is reachable through JetStream's API): dropped, never negotiated.
      this.logger.error({ err, taskId }, 'placement journal entry is not a valid task; removed');
      await this.journal!.close(taskId);
      return;
    }
    try {
      const r = await this.handoff.negotiate(task, { journal: { resume: placement.attempts + 1 }, ...(placement.actor ? { actor: placement.actor } : {}) });
      this.logger.warn({ taskId, agentId: r.selectedAgent, status: r.status, attempts: placement.attempts + 1 }, 'stranded placement finished by the sweep');
    } catch (err) {
      if (!isFinalRefusal(err)) {
        this.logger.warn({ err, taskId, attempts: placement.attempts + 1 }, 'stranded placement not finished; retried at a later sweep');
        return;
      }
      // Its requester never learnt the outcome: the refusal goes out as an event, as for a submitted task.
      const e = err as OssaError;
      await this.events.publish(EVENT_NAMES.handoffFailed, { taskId, reason: e.code, message: e.message, details: e.details, resumed: true }, { id: `handoffFailed:${taskId}:resumed:${placement.attempts + 1}` });
    }
  }

  private async retryWaiting(): Promise<void> {
    const waiting = await this.store.waitingHandoffs(WAITING_PER_SWEEP);
    if (waiting.length) await this.renegotiate(waiting);
  }

  /** In the core's failover order (priority, deadline, fewest candidates); past the deadline: failed. */
  private async renegotiate(records: HandoffRecord[]): Promise<{ reassigned: string[]; waiting: string[]; expired: string[] }> {
    if (records.length === 0) return { reassigned: [], waiting: [], expired: [] };
    const byTask = new Map(records.map((h) => [h.taskId, h]));
    const tasks: HandoffTask[] = records.map((h) => h.task);
    const wanted = tasks.flatMap((t) => (t.requiredCapabilities ?? []).flatMap((r) => [r.capabilityId, ...(r.alternatives ?? [])]));
    const others: RegistryAgent[] = await this.store.agentsWithCapabilities(wanted);
    const plan = planFailover('', tasks, others, Date.now(), { heartbeatTimeoutMs: this.config.HEARTBEAT_TIMEOUT_MS });
    const reassigned: string[] = [];
    const waiting = plan.waiting.map((e) => e.task.id);
    for (const { task } of plan.renegotiate) {
      try {
        const r = await this.handoff.negotiate(byTask.get(task.id)!.task);
        if (r.status === 'reassigned') reassigned.push(task.id);
      } catch (err) {
        waiting.push(task.id);
        if (!(err instanceof OssaError) || err.code === 'INTERNAL') this.logger.warn({ err, taskId: task.id }, 'waiting task not negotiated');
      }
    }
    for (const task of plan.expired) {
      try {
        await this.handoff.expire(byTask.get(task.id)!);
      } catch (err) {
        this.logger.warn({ err, taskId: task.id }, 'expired task not closed; retried at the next sweep');
      }
    }
    return { reassigned, waiting, expired: plan.expired.map((t) => t.id) };
  }

  private async reconcileLoads(counts: Map<string, number>): Promise<void> {
    const seen = new Map<string, number>();
    const now = Date.now();
    const check = async (agentId: string, load: number) => {
      const count = counts.get(agentId) ?? 0;
      if (load === count) return;
      const key = `${agentId}:${load}:${count}`;
      const since = this.suspects.get(key) ?? now;
      seen.set(key, since);
      // Seen in an earlier sweep, and for at least a second: longer than any step between a load change and its record.
      if (since === now || now - since < 1000) return;
      // Confirmed on fresh reads (the sweep's count may be older than the load it is compared with).
      const [stored, assigned] = await Promise.all([this.store.getAgent(agentId), this.store.handoffsOf(agentId)]);
      if (!stored || stored.currentLoad !== load || assigned.length !== count) return;
      const fixed = await this.store.setLoad(agentId, load, count);
      if (fixed) {
        this.directory.changed(fixed);
        this.logger.warn({ agentId, load, assigned: count }, 'agent load reconciled with its assignments');
      }
    };
    for (const agent of this.directory.all()) await check(agent.id, agent.currentLoad);
    this.suspects = seen;
  }
}
