import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { describeMissing, scoreAndRank, type ScoredCandidate } from '@ossa/registry';
import { EVENT_NAMES, OssaError, type HandoffRequestDto, type TaskResultDto } from '@ossa/contracts';
import { AuditPublisher, EventPublisher, LedgerClient, LOGGER } from '@ossa/messaging';
import type { AuditActor } from '@ossa/security';
import type { Logger } from '@ossa/observability';
import { AgentDirectory } from '../agents/agent-directory';
import type { AgentRecord, HandoffRecord, RegistryStore } from '../agents/agent.record';
import { RegistryConfig } from '../registry-config';
import { REGISTRY_STORE } from '../registry.tokens';
import { RegistryMetrics } from '../registry.metrics';
import { AGENT_GATEWAY, type AgentGateway } from './agent.gateway';
import type { BidOutcome } from './bidding';
import { crashPoint } from './crash-points';
import { PLACEMENT_JOURNAL, type PlacementJournal } from './placement-journal';
import {
  ACTIVE_STATES,
  assignmentMessageId,
  CLAIMABLE_STATES,
  completedEventId,
  decodeHandoffState,
  encodeHandoffState,
  handoffLedgerKey,
  nextHandoffState,
  type HandoffLedgerValue,
  type HandoffState,
} from './handoff-state';

export interface NegotiationRecord {
  id: string;
  taskId: string;
  selectedAgent: string;
  candidates: { agentId: string; score: number; breakdown: ScoredCandidate['breakdown']; bid?: BidOutcome['kind'] }[];
  rounds: number;
  status: 'assigned' | 'already_assigned' | 'reassigned';
  durationMs: number;
  /** The assignment's epoch in the ledger: grows with each new assignment of the task. */
  epoch?: number;
}

export interface NegotiateOptions {
  /** Called while the negotiation runs (a durable message's `working()`), so its ack_wait does not expire. */
  keepAlive?: () => void;
  /** Who asked for the handoff, for the audit trail. */
  actor?: AuditActor;
  /**
   * Journal the placement until it ends (placement-journal.ts): `handoff.initiate` does, so a registry that
   * dies mid-negotiation leaves an entry the sweep finishes; `resume` is the sweep's retry of such an entry.
   */
  journal?: 'open' | { resume: number };
}

/**
 * One negotiation's options, and whether it has tried to claim the task or found it claimed or recorded: a
 * failure after that may leave the handoff unfinished in the ledger, so its journal entry is kept.
 */
interface Run extends NegotiateOptions {
  inFlight: boolean;
}

/** Refusals that end a placement for good: nobody can take the task now, or the request is wrong. */
const FINAL_REFUSALS = new Set(['NOT_FOUND', 'AGENT_CAPACITY_EXCEEDED', 'VALIDATION_FAILED', 'UNAUTHORIZED']);

/** Whether a negotiation that threw is over: anything else (the ledger, the store) may have left a claim behind. */
export function isFinalRefusal(err: unknown): boolean {
  return err instanceof OssaError && FINAL_REFUSALS.has(err.code);
}

/** What the ledger holds for a task: the value as read (the CAS's `expected`) and its decoded form. */
interface Known {
  raw: string | undefined;
  value: HandoffLedgerValue | null;
}

/** Where one attempt to assign a task left it. */
type Attempt = { kind: 'assigned'; value: HandoffLedgerValue; from?: HandoffState | null } | { kind: 'next'; known: Known } | { kind: 'settled'; value: HandoffLedgerValue } | { kind: 'claimable'; known: Known };

const NONE: Known = { raw: undefined, value: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** No consensus replica runs at all: refused at once (retryable), instead of waiting out a timeout. */
function noLedger(): OssaError {
  return new OssaError('QUORUM_NOT_MET', 'No consensus quorum: the ledger has no replica running', [{ field: 'ledger', message: 'no consensus replica answered; the handoff needs the ledger', constraint: 'noResponders' }]);
}

/**
 * Handoff negotiation (contract net) and the exactly-once assignment behind it. Each task's handoff is the
 * state machine of handoff-state.ts in the coordination ledger; every step is a compare-and-set from the
 * value read, and every step can be repeated, so a negotiation retried, redelivered, raced by another
 * instance or resumed after a crash ends with the task delivered once, to one agent (docs/registry.md).
 */
@Injectable()
export class HandoffService {
  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(AgentDirectory) private readonly directory: AgentDirectory,
    @Inject(AGENT_GATEWAY) private readonly agents: AgentGateway,
    @Inject(RegistryConfig) private readonly config: RegistryConfig,
    @Inject(LedgerClient) private readonly ledger: LedgerClient,
    @Inject(EventPublisher) private readonly events: EventPublisher,
    @Inject(RegistryMetrics) private readonly metrics: RegistryMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() @Inject(AuditPublisher) private readonly audit?: AuditPublisher,
    @Optional() @Inject(PLACEMENT_JOURNAL) private readonly journal?: PlacementJournal,
  ) {}

  /** Negotiations running in this process, per task: the sweep leaves their journal entries alone. */
  private readonly running = new Map<string, number>();

  /** Whether this process is negotiating the task now. */
  isNegotiating(taskId: string): boolean {
    return this.running.has(taskId);
  }

  async negotiate(task: HandoffRequestDto, options: NegotiateOptions = {}): Promise<NegotiationRecord> {
    const timer = options.keepAlive ? setInterval(options.keepAlive, Math.max(250, this.config.TASK_ACK_WAIT_MS / 3)) : undefined;
    this.running.set(task.id, (this.running.get(task.id) ?? 0) + 1);
    const journal = options.journal ? this.journal : undefined;
    const run: Run = { ...options, inFlight: false };
    // Whether this negotiation wrote the task's entry: one already there is an earlier attempt's (whose claim
    // may be in the ledger), and only the placement's end may remove it.
    let owned = false;
    try {
      if (journal) {
        const attempts = options.journal === 'open' ? 1 : options.journal!.resume;
        owned = await this.metrics.step('journal open', () => journal.open({ task, at: Date.now(), attempts, ...(options.actor ? { actor: options.actor } : {}) }));
        crashPoint('placement.journalled');
      }
      const record = await this.negotiateOnce(task, run);
      await this.closeJournal(journal, task.id);
      return record;
    } catch (err) {
      // A refusal ends the placement, and so does a failure before this negotiation (owning the entry) claimed
      // the task or found it in flight; any other failure may have left it unfinished in the ledger, which
      // the sweep finishes.
      if (isFinalRefusal(err) || (owned && !run.inFlight)) await this.closeJournal(journal, task.id);
      throw err;
    } finally {
      clearInterval(timer);
      const left = this.running.get(task.id)! - 1;
      if (left > 0) this.running.set(task.id, left);
      else this.running.delete(task.id);
    }
  }

  /** An entry left open by a failed close is only extra work for the sweep (its retry answers the placement). */
  private async closeJournal(journal: PlacementJournal | undefined, taskId: string): Promise<void> {
    if (!journal) return;
    try {
      await this.metrics.step('journal close', () => journal.close(taskId));
    } catch (err) {
      this.logger.warn({ err, taskId }, 'placement journal entry not removed; the sweep will find the placement done');
    }
  }

  private async negotiateOnce(task: HandoffRequestDto, options: Run): Promise<NegotiationRecord> {
    const started = performance.now();
    const id = randomUUID();
    // Believed new: the claim's compare-and-set from "no value" finds out otherwise, and answers the value
    // there (a retry, a resubmission, a task waiting after failover) without a read first.
    let known = NONE;
    const now = Date.now();
    const searchStarted = performance.now();
    const search = this.directory.findCandidates(task, now, { heartbeatTimeoutMs: this.config.HEARTBEAT_TIMEOUT_MS });
    if (search.outcome !== 'found') {
      // Nobody can take it now; but it may be assigned already (a retry after the record was lost).
      if (!known.value) {
        const settled = await this.settle(task, await this.read(task.id), id, options);
        if (settled.kind !== 'claimable') return this.answer(id, task.id, settled.value, [], 0, 'already_assigned', started);
      }
      throw this.noCandidate(search);
    }
    const ranked = scoreAndRank(task, search.candidates, now);
    this.metrics.stepTook('search', performance.now() - searchStarted);
    const seen: NegotiationRecord['candidates'] = [];
    let rounds = 0;
    for (let offset = 0; offset < ranked.length; offset += this.config.MAX_BIDDERS) {
      rounds++;
      const round = ranked.slice(offset, offset + this.config.MAX_BIDDERS);
      const bids = await this.metrics.step('bids', () => this.agents.collectBids(round.map((c) => c.agentId), { negotiationId: id, taskId: task.id, task, bidWindowMs: this.config.BID_WINDOW_MS }, this.config.BID_WINDOW_MS));
      crashPoint('negotiation.bids-collected');
      const byAgent = new Map(bids.map((b) => [b.agentId, b]));
      for (const c of round) seen.push({ agentId: c.agentId, score: c.score, breakdown: c.breakdown, bid: byAgent.get(c.agentId)?.kind });
      // Bidders and agents that do not bid are eligible; a bid's confidence scales its score.
      const eligible = round
        .map((c) => ({ c, b: byAgent.get(c.agentId)! }))
        .filter(({ b }) => b.kind === 'bid' || b.kind === 'not_bidding')
        .map(({ c, b }) => ({ agentId: c.agentId, final: c.score * (b.kind === 'bid' ? b.confidence : 1) }))
        .sort((x, y) => y.final - x.final || (x.agentId < y.agentId ? -1 : 1));
      for (const { agentId } of eligible) {
        let attempt = await this.claim(task, agentId, id, known, options);
        if (attempt.kind === 'claimable') attempt = await this.claim(task, agentId, id, attempt.known, options);
        if (attempt.kind === 'assigned') {
          const wasReassigned = attempt.from === 'reassigned';
          const status = wasReassigned ? 'reassigned' : 'assigned';
          const record = this.answer(id, task.id, attempt.value, seen, rounds, status, started);
          this.metrics.handoff(record.durationMs / 1000, rounds);
          if (wasReassigned) this.metrics.failover();
          await this.metrics.step('event', () => this.events.publish(EVENT_NAMES.handoffCompleted, record, { id: completedEventId(task.id, attempt.value.epoch) }));
          await this.audit?.record({
            action: wasReassigned ? 'taskReassigned' : 'taskAssigned',
            ...(options.actor ? { actor: options.actor } : {}),
            outcome: 'ok',
            taskId: task.id,
            agentId: record.selectedAgent,
            details: { negotiationId: record.id },
          });
          return record;
        }
        if (attempt.kind === 'settled') return this.answer(id, task.id, attempt.value, seen, rounds, 'already_assigned', started);
        if (attempt.kind === 'next' || attempt.kind === 'claimable') known = attempt.known;
      }
    }
    throw new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `all ${ranked.length} capable agents declined, were silent, or filled up` }]);
  }

  private noCandidate(search: ReturnType<AgentDirectory['findCandidates']>): OssaError {
    if (search.outcome === 'missing_capability') {
      return new OssaError('NOT_FOUND', describeMissing(search.missing), search.missing.map((m) => ({ field: 'requiredCapabilities', message: `no agent offers ${m.capabilityId}${m.version ? ` ${m.version}` : ''}`, value: m })));
    }
    if (search.outcome === 'capacity_exceeded') {
      return new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `all ${search.full} capable agents are busy or at maxLoad` }]);
    }
    const unavailable = search.outcome === 'unavailable' ? search.unavailable : 0;
    return new OssaError('AGENT_CAPACITY_EXCEEDED', 'Agent capacity exceeded', [{ field: 'requiredCapabilities', message: `${unavailable} capable agents, none available (offline, failed, in maintenance or silent)` }]);
  }

  private async read(taskId: string): Promise<Known> {
    const raw = await this.ledger.read(handoffLedgerKey(taskId));
    if (raw === undefined) throw noLedger();
    return this.known(taskId, raw);
  }

  private known(taskId: string, raw: string | null): Known {
    if (raw === null) return NONE;
    const value = decodeHandoffState(raw);
    if (!value) {
      this.logger.error({ taskId, raw: raw.slice(0, 200) }, 'unreadable handoff state in the ledger');
      throw new OssaError('INTERNAL', `The ledger holds an unreadable handoff state for task ${taskId}`, [{ field: 'taskId', message: 'unreadable ledger value', value: taskId }]);
    }
    return { raw, value };
  }

  /** One compare-and-set step; the value there now when it did not apply. */
  private async step(taskId: string, from: Known, to: HandoffLedgerValue): Promise<{ applied: true; known: Known } | { applied: false; known: Known }> {
    const raw = encodeHandoffState(to);
    const reply = await this.metrics.step(`ledger ${to.state}`, () => this.ledger.compareAndSet(handoffLedgerKey(taskId), from.raw, raw));
    if (!reply) throw noLedger();
    if (reply.applied) return { applied: true, known: { raw, value: to } };
    return { applied: false, known: this.known(taskId, reply.value) };
  }

  private transition(from: Known, to: HandoffState, negotiationId: string, agentId?: string): HandoffLedgerValue {
    return nextHandoffState(from.value, to, { agentId, negotiationId, at: Date.now() });
  }

  /**
   * A state this negotiation did not make: follow it. Claimable: the caller may claim. Recorded: finish the
   * delivery. Delivered or completed: answer it. Claimed by another negotiation: wait for it, and take it
   * over once it is older than CLAIM_STALE_MS (its registry stopped or died).
   */
  private async settle(task: HandoffRequestDto, known: Known, negotiationId: string, options: Run): Promise<Exclude<Attempt, { kind: 'next' }>> {
    for (let round = 0; round < 1000; round++) {
      const v = known.value;
      if (!v || CLAIMABLE_STATES.has(v.state)) return { kind: 'claimable', known };
      options.inFlight = true;
      if (v.state === 'recorded') {
        known = await this.deliver(task, known, negotiationId);
        if (known.value?.state === 'delivered') return { kind: 'settled', value: known.value };
        continue;
      }
      if (v.state === 'delivered') {
        // The event may have been lost with a crash after delivery; its id makes a repeat a no-op.
        await this.publishCompleted(task.id, v);
        return { kind: 'settled', value: v };
      }
      if (v.state === 'completed') return { kind: 'settled', value: v };
      // claimed
      if (Date.now() - v.at < this.config.CLAIM_STALE_MS) {
        options.keepAlive?.();
        await sleep(Math.min(200, this.config.CLAIM_STALE_MS / 10));
        known = await this.read(task.id);
        continue;
      }
      this.logger.warn({ taskId: task.id, agentId: v.agentId, epoch: v.epoch, claimedBy: v.negotiationId }, 'taking over a stale claim');
      const takeover = await this.step(task.id, known, this.transition(known, 'claimed', negotiationId));
      if (!takeover.applied) {
        known = takeover.known;
        continue;
      }
      const attempt = await this.proceed(task, takeover.known, negotiationId, options, true);
      if (attempt.kind === 'next') return { kind: 'claimable', known: attempt.known };
      if (attempt.kind === 'assigned') return { kind: 'settled', value: attempt.value };
      return attempt;
    }
    throw new OssaError('INTERNAL', `Task ${task.id} did not settle`, [{ field: 'taskId', message: 'the handoff state kept changing', value: task.id }]);
  }

  /** Claims the task for `agentId` (compare-and-set from the state believed) and carries the assignment on. */
  private async claim(task: HandoffRequestDto, agentId: string, negotiationId: string, known: Known, options: Run): Promise<Attempt> {
    const wasInFlight = options.inFlight;
    options.inFlight = true;
    let claimed: Awaited<ReturnType<HandoffService['step']>>;
    try {
      claimed = await this.step(task.id, known, this.transition(known, 'claimed', negotiationId, agentId));
    } catch (err) {
      // No replica answered at all: the claim was not written (a timeout, by contrast, may have written it).
      if (err instanceof OssaError && err.code === 'QUORUM_NOT_MET') options.inFlight = wasInFlight;
      throw err;
    }
    if (!claimed.applied) return this.settle(task, claimed.known, negotiationId, options);
    crashPoint('handoff.claimed');
    const attempt = await this.proceed(task, claimed.known, negotiationId, options);
    return attempt.kind === 'assigned' ? { ...attempt, from: known.value?.state ?? null } : attempt;
  }

  /** From claimed: load, award, record, deliver. An agent that is full or refuses gives the claim back (released). */
  private async proceed(task: HandoffRequestDto, claimed: Known, negotiationId: string, options: Run, takeover = false): Promise<Attempt> {
    const { agentId, epoch } = claimed.value!;
    // A claim taken over may have been recorded already (the stale negotiation failed after its store
    // write): that record counts toward the agent's load, so the load is not counted twice.
    const previous = epoch > 1 || takeover ? await this.store.getHandoff(task.id) : null;
    const counted = takeover && previous?.epoch === epoch && previous.agentId === agentId && previous.status === 'assigned';
    const loaded = counted ? this.directory.get(agentId) ?? (await this.store.getAgent(agentId)) : await this.metrics.step('load', () => this.adjustLoad(agentId, 1));
    crashPoint('handoff.loaded');
    // This negotiation raised the load and no stored record counts it yet: given back on any way out.
    let owesLoad = Boolean(loaded) && !counted;
    let stored = false;
    try {
      if (!loaded || !(await this.metrics.step('award', () => this.agents.award(agentId, negotiationId, task, this.config.AWARD_TIMEOUT_MS)))) {
        if (owesLoad) {
          owesLoad = false;
          await this.adjustLoad(agentId, -1);
        }
        if (counted) await this.store.updateHandoff(task.id, epoch, ['assigned'], { status: 'released' }).then((h) => h && this.adjustLoad(agentId, -1));
        const released = await this.step(task.id, claimed, this.transition(claimed, 'released', negotiationId));
        if (released.applied) return { kind: 'next', known: released.known };
        return this.settle(task, released.known, negotiationId, options);
      }
      crashPoint('handoff.awarded');
      stored = await this.metrics.step('record', () => this.store.recordHandoff(this.newRecord(task, agentId, negotiationId, epoch, previous)));
      if (stored) owesLoad = false;
    } catch (err) {
      // The ledger or the store failed under this step: undo the load unless a record now counts it (then
      // the claim is finished by a retry or the sweep, and reconciliation settles any difference).
      if (owesLoad) await this.adjustLoad(agentId, -1).catch(() => undefined);
      throw err;
    }
    const recorded = stored ? await this.step(task.id, claimed, this.transition(claimed, 'recorded', negotiationId)) : { applied: false as const, known: await this.read(task.id) };
    if (!recorded.applied) {
      // Taken over meanwhile (this negotiation was slower than CLAIM_STALE_MS): the other one counts the load
      // (a takeover that found the record already counting it raised nothing to give back).
      if (!counted) await this.adjustLoad(agentId, -1);
      return this.settle(task, recorded.known, negotiationId, options);
    }
    crashPoint('handoff.recorded');
    const delivered = await this.deliver(task, recorded.known, negotiationId);
    if (delivered.value?.state !== 'delivered') return this.settle(task, delivered, negotiationId, options);
    return { kind: 'assigned', value: delivered.value };
  }

  private newRecord(task: HandoffRequestDto, agentId: string, negotiationId: string, epoch: number, previous: HandoffRecord | null): HandoffRecord {
    const failovers = (previous?.failovers ?? 0) + (previous?.status === 'waiting' ? 1 : 0);
    return { taskId: task.id, agentId, negotiationId, epoch, status: 'assigned', task: JSON.parse(JSON.stringify(task)), assignedAt: new Date().toISOString(), failovers };
  }

  /**
   * From recorded: publish the assignment (its message id is the task's and epoch's, so a repeat inside the
   * duplicate window is dropped) and move to delivered. Answers the state it left the task in.
   */
  private async deliver(task: HandoffRequestDto, recorded: Known, negotiationId: string): Promise<Known> {
    const v = recorded.value!;
    await this.metrics.step('publish', () => this.agents.deliver(v.agentId, { negotiationId: v.negotiationId, taskId: task.id, agentId: v.agentId, epoch: v.epoch, task }, assignmentMessageId(task.id, v.epoch)));
    crashPoint('handoff.published');
    const delivered = await this.step(task.id, recorded, this.transition(recorded, 'delivered', negotiationId));
    if (!delivered.applied) return delivered.known;
    crashPoint('handoff.delivered');
    return delivered.known;
  }

  private async publishCompleted(taskId: string, v: HandoffLedgerValue): Promise<void> {
    await this.events.publish(EVENT_NAMES.handoffCompleted, { id: v.negotiationId, taskId, selectedAgent: v.agentId, candidates: [], rounds: 0, status: 'assigned', durationMs: 0, epoch: v.epoch }, { id: completedEventId(taskId, v.epoch) });
  }

  private answer(id: string, taskId: string, v: HandoffLedgerValue, candidates: NegotiationRecord['candidates'], rounds: number, status: NegotiationRecord['status'], started: number): NegotiationRecord {
    return { id, taskId, selectedAgent: v.agentId, candidates, rounds, status, durationMs: Math.round((performance.now() - started) * 100) / 100, epoch: v.epoch };
  }

  /** Changes the agent's load in the store (the authority) and keeps the directory's copy in step. */
  async adjustLoad(agentId: string, delta: number): Promise<AgentRecord | null> {
    const agent = await this.store.adjustLoad(agentId, delta, this.directory.get(agentId)?.maxLoad);
    if (agent) this.directory.changed(agent);
    return agent;
  }

  /**
   * `task.complete`: the agent holding the task (recorded or delivered) finishes it. Repeating a completion
   * that went through answers the same; the store record and the load follow the ledger, so a crash between
   * the two is repaired by the agent's retry.
   */
  async complete(taskId: string, agentId: string, outcome: 'completed' | 'failed', result?: TaskResultDto): Promise<{ taskId: string; agentId: string; status: 'completed' | 'failed'; currentLoad: number | null }> {
    const negotiationId = randomUUID();
    let known = await this.read(taskId);
    for (let round = 0; round < 10 && known.value && ACTIVE_STATES.has(known.value.state) && known.value.agentId === agentId; round++) {
      const done = await this.step(taskId, known, this.transition(known, outcome, negotiationId));
      known = done.known;
      if (done.applied) crashPoint('complete.ledger');
    }
    const v = known.value;
    if (!v || v.agentId !== agentId || (v.state !== 'completed' && v.state !== 'failed')) {
      throw new OssaError('NOT_FOUND', `Task ${taskId} is not in flight on agent ${agentId}`, [{ field: 'taskId', message: 'not assigned to this agent', value: taskId }]);
    }
    const at = new Date().toISOString();
    const closed = await this.store.updateHandoff(taskId, v.epoch, ['assigned', 'waiting'], { status: v.state, completedAt: at });
    const agent = closed?.status === v.state && closed.agentId === agentId ? await this.adjustLoad(agentId, -1) : await this.store.getAgent(agentId);
    crashPoint('complete.stored');
    if (v.state === 'failed') await this.events.publish(EVENT_NAMES.handoffFailed, { taskId, reason: 'AGENT_REPORTED_FAILURE', failedAgent: agentId, epoch: v.epoch }, { id: `handoffFailed:${taskId}:${v.epoch}` });
    // The result goes to whoever reads events as the agent sealed it: the registry neither opens nor keeps it.
    await this.events.publish(
      EVENT_NAMES.taskCompleted,
      { taskId, agentId, status: v.state, epoch: v.epoch, completedAt: closed?.completedAt ?? at, ...(result ? { result } : {}) },
      { id: `taskCompleted:${taskId}:${v.epoch}` },
    );
    return { taskId, agentId, status: v.state, currentLoad: agent?.currentLoad ?? null };
  }

  /**
   * Takes a task from an agent that failed or left (recorded or delivered → reassigned), then leaves it
   * waiting in the store for a new negotiation. Repeatable: a step done before a crash is found done. A
   * record whose ledger state moved on otherwise (completed, failed, a later epoch) is brought in line.
   */
  async moveOff(h: HandoffRecord): Promise<'waiting' | 'repaired' | 'unchanged'> {
    const negotiationId = randomUUID();
    let known = await this.read(h.taskId);
    for (let round = 0; round < 10; round++) {
      const v = known.value;
      if (!v || v.epoch !== h.epoch || v.agentId !== h.agentId || !ACTIVE_STATES.has(v.state)) break;
      const moved = await this.step(h.taskId, known, this.transition(known, 'reassigned', negotiationId));
      known = moved.known;
      if (moved.applied) crashPoint('failover.reassigned');
    }
    const v = known.value;
    // A claim in flight for this very epoch: its negotiation (or a takeover) decides; look again next sweep.
    if (v && v.epoch === h.epoch && v.state === 'claimed') return 'unchanged';
    const status = v && v.epoch === h.epoch ? (v.state === 'reassigned' ? 'waiting' : v.state === 'completed' || v.state === 'failed' ? v.state : 'released') : 'released';
    const updated = await this.store.updateHandoff(h.taskId, h.epoch, ['assigned'], { status });
    if (updated) await this.adjustLoad(h.agentId, -1);
    if (status === 'waiting') crashPoint('failover.waiting');
    return status === 'waiting' ? 'waiting' : 'repaired';
  }

  /** A task waiting past its deadline: reassigned → failed in the ledger, failed in the store, handoffFailed. */
  async expire(h: HandoffRecord): Promise<void> {
    let known = await this.read(h.taskId);
    if (known.value?.state === 'reassigned' && known.value.epoch === h.epoch) {
      const failed = await this.step(h.taskId, known, this.transition(known, 'failed', randomUUID()));
      known = failed.known;
    }
    if (known.value?.state !== 'failed' || known.value.epoch !== h.epoch) return;
    await this.store.updateHandoff(h.taskId, h.epoch, ['waiting', 'assigned'], { status: 'failed', completedAt: new Date().toISOString() });
    await this.events.publish(EVENT_NAMES.handoffFailed, { taskId: h.taskId, reason: 'DEADLINE_PASSED', failedAgent: h.agentId, epoch: h.epoch }, { id: `handoffFailed:${h.taskId}:${h.epoch}` });
  }
}
