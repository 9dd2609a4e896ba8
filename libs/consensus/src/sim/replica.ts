// One simulated replica: the Raft core, its ledger and its persisted log, driven through the Ready contract.
import { decodeCommand, encodeCommand, Ledger, type LedgerOptions } from '../ledger/ledger';
import { CatchUpCompactor, type CompactionPolicy } from '../raft/compaction';
import { RawNode } from '../raft/raw-node';
import { planReady } from '../raft/ready-plan';
import type { Entry, Message, NodeId, RaftConfig, Ready } from '../raft/types';
import { MemoryLogStore } from '../storage/memory-log-store';
import type { LogView, SafetyChecker } from './invariants';
import type { ClientRequest, ClientResponse, SimStats } from './types';

export interface ReplicaContext {
  now(): number;
  sendMessage(m: Message): void;
  respond(r: ClientResponse): void;
  checker: SafetyChecker;
  stats: SimStats;
  trace(line: string): void;
  leaders(): [NodeId, number, LogView][];
  /** Serve reads from local state, skipping ReadIndex (a deliberate host bug). */
  staleReads: boolean;
  ledgerOptions: LedgerOptions;
  /** Decides whether the replica crashes after persisting a Ready but before sending its messages. */
  crashPoint(replica: SimReplica, rd: Ready, commitAdvanced: boolean): boolean;
  /** Decides whether the replica crashes after applying committed entries first, before persisting and sending. */
  crashAfterApply(replica: SimReplica): boolean;
  /** Decides whether a write is cut short: how many of the Ready's entries reach the store (then it crashes). */
  tornWrite(replica: SimReplica, rd: Ready): number | null;
}

interface PendingRead {
  clientId: string;
  opId: number;
  key: string;
  index: number;
}

export class SimReplica {
  readonly store = new MemoryLogStore();
  core!: RawNode;
  private compactor!: CatchUpCompactor;
  ledger!: Ledger;
  alive = false;
  private tickAccumulator = 0;
  private seenCommit = 0;
  private readSeq = 0;
  private pendingWrites = new Map<string, number>();
  private pendingReads = new Map<string, Omit<PendingRead, 'index'>>();
  private readsAwaitingApply: PendingRead[] = [];

  constructor(
    readonly id: NodeId,
    private readonly config: Omit<RaftConfig, 'id'>,
    /** Ticks per simulation step; replicas differ (clock drift). */
    readonly tickRate: number,
    private readonly compaction: CompactionPolicy,
    private readonly ctx: ReplicaContext,
  ) {}

  /** Boots (or reboots) from exactly what the store holds. */
  start(): void {
    const persisted = this.store.load();
    this.core = new RawNode({ ...this.config, id: this.id }, persisted);
    this.compactor = new CatchUpCompactor(this.compaction);
    const options = this.ctx.ledgerOptions;
    this.ledger = persisted.snapshot ? Ledger.restore(persisted.snapshot.data, options) : new Ledger(options);
    this.alive = true;
    this.seenCommit = this.core.snapshotIndex();
    this.tickAccumulator = 0;
  }

  /** Loses everything that is not in the store. */
  crash(): void {
    this.alive = false;
    this.pendingWrites.clear();
    this.pendingReads.clear();
    this.readsAwaitingApply = [];
  }

  logView(): LogView {
    const core = this.core;
    return {
      term: (i) => core.logTerm(i),
      snapshotIndex: () => core.snapshotIndex(),
      lastIndex: () => core.lastIndex(),
    };
  }

  storeView(): LogView {
    const s = this.store;
    return { term: (i) => s.term(i), snapshotIndex: () => s.snapshotIndex(), lastIndex: () => s.lastIndex() };
  }

  advanceClock(): void {
    this.tickAccumulator += this.tickRate;
    while (this.tickAccumulator >= 1) {
      this.tickAccumulator -= 1;
      this.core.tick();
    }
    this.drain();
  }

  deliver(m: Message): void {
    this.core.step(m);
    this.drain();
  }

  onClientRequest(req: ClientRequest): void {
    if (req.kind === 'read' && this.ctx.staleReads) {
      return this.ctx.respond({
        clientId: req.clientId,
        opId: req.opId,
        ok: true,
        readValue: this.ledger.get(req.key),
      });
    }
    if (req.kind === 'read') {
      const context = `${this.id}#${++this.readSeq}`;
      const r = this.core.readIndex(context);
      if (!r.ok)
        return this.ctx.respond({
          clientId: req.clientId,
          opId: req.opId,
          ok: false,
          leaderHint: this.core.leader(),
        });
      this.pendingReads.set(context, { clientId: req.clientId, opId: req.opId, key: req.key });
    } else {
      const { kind: op, key, value, expected, clientId, requestId, firstOutstanding } = req;
      const cmd = { op, key, value, expected, clientId, requestId, firstOutstanding };
      const r = this.core.propose(encodeCommand(cmd));
      if (!r.ok)
        return this.ctx.respond({ clientId, opId: req.opId, ok: false, leaderHint: this.core.leader() });
      this.pendingWrites.set(`${clientId}#${requestId}`, req.opId);
    }
    this.drain();
  }

  /** Handles every pending Ready: persist, send, apply, advance. */
  drain(): void {
    while (this.alive && this.core.hasReady()) this.handleReady(this.core.ready());
  }

  /** Runs the core's plan for this Ready (the loop the service runs), with the simulator's crash points. */
  private handleReady(rd: Ready): void {
    const { checker } = this.ctx;
    if (rd.softState) {
      this.ctx.trace(
        `${this.id} becomes ${rd.softState.role} in term ${this.core.term()} (leader ${rd.softState.leader})`,
      );
      if (rd.softState.role === 'leader') {
        this.ctx.stats.elections++;
        checker.onLeader(this.id, this.core.term(), this.logView());
      }
    }
    const store = this.store;
    let applied = false;
    let commitAdvanced = false;
    for (const step of planReady(rd, { lastIndex: store.lastIndex(), term: (i) => store.term(i) })) {
      switch (step.kind) {
        case 'apply':
          if (!applied && step.entries.length > 0 && rd.entries.length + rd.messages.length > 0) {
            // Applied before persisting and sending: the commit must already hold on what is stored.
            commitAdvanced = this.checkCommit(step.entries[step.entries.length - 1].index) || commitAdvanced;
          }
          for (const e of step.entries) this.apply(e);
          applied = true;
          if (this.ctx.crashAfterApply(this)) return;
          break;
        case 'persist': {
          if (step.snapshot) store.saveSnapshot(step.snapshot);
          const torn = this.ctx.tornWrite(this, rd);
          if (torn !== null) {
            if (torn > 0) store.append(step.entries.slice(0, torn));
            return;
          }
          if (step.entries.length > 0) {
            store.append(step.entries);
            checker.onPersist(this.id, step.entries, this.storeView());
          }
          if (step.hardState) store.saveHardState(step.hardState);
          commitAdvanced = this.checkCommit(step.hardState?.commit ?? this.seenCommit) || commitAdvanced;
          break;
        }
        case 'send':
          if (!step.beforePersist && this.ctx.crashPoint(this, rd, commitAdvanced)) return;
          for (const m of step.messages) {
            if (m.type === 'installSnapshot') this.ctx.stats.snapshotsSent++;
            this.ctx.sendMessage(m);
          }
          break;
        case 'restore':
          this.ledger = Ledger.restore(step.snapshot.data, this.ctx.ledgerOptions);
          this.compactor.reset();
          this.ctx.trace(`${this.id} installs snapshot at ${step.snapshot.metadata.index}`);
          break;
        case 'finish':
          for (const rs of step.readStates) {
            const pending = this.pendingReads.get(rs.context);
            if (!pending) continue;
            this.pendingReads.delete(rs.context);
            this.readsAwaitingApply.push({ ...pending, index: rs.index });
          }
          this.core.advance(rd);
          this.serveReads();
          this.maybeCompact();
          break;
      }
    }
  }

  /** Checks a commit index the replica reached against what the stores hold; returns whether it advanced. */
  private checkCommit(commit: number): boolean {
    if (commit <= this.seenCommit) return false;
    this.ctx.checker.onCommit(
      this.id,
      this.seenCommit + 1,
      commit,
      this.core.term(),
      this.storeView(),
      this.ctx.leaders(),
    );
    this.seenCommit = commit;
    return true;
  }

  private apply(e: Entry): void {
    this.ctx.checker.onApply(this.id, e);
    if (e.type !== 'normal') return;
    const result = this.ledger.applyEntry(e.data, e.index);
    if (!result || e.data.length === 0) return;
    const cmd = decodeCommand(e.data);
    const key = `${cmd.clientId}#${cmd.requestId}`;
    const opId = this.pendingWrites.get(key);
    if (opId === undefined || cmd.clientId === undefined) return;
    this.pendingWrites.delete(key);
    this.ctx.respond({ clientId: cmd.clientId, opId, ok: true, result });
  }

  private serveReads(): void {
    const applied = this.core.appliedIndex();
    const waiting: PendingRead[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index > applied) waiting.push(r);
      else
        this.ctx.respond({ clientId: r.clientId, opId: r.opId, ok: true, readValue: this.ledger.get(r.key) });
    }
    this.readsAwaitingApply = waiting;
  }

  private maybeCompact(): void {
    const due = this.compactor.afterApply(this.core.appliedIndex(), this.core.snapshotIndex(), () =>
      this.ledger.snapshot(),
    );
    if (!due) return;
    const r = this.core.compact(due.index, due.data);
    if (r.ok) this.store.saveSnapshot(r.value);
  }
}
