// One simulated replica: the Raft core, its ledger and its persisted log, driven through the Ready contract.
import { decodeCommand, encodeCommand, Ledger, type LedgerOptions } from '../ledger/ledger';
import { Raft } from '../raft/raft';
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
  core!: Raft;
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
    private readonly compactEvery: number,
    private readonly ctx: ReplicaContext,
  ) {}

  /** Boots (or reboots) from exactly what the store holds. */
  start(): void {
    const persisted = this.store.load();
    this.core = new Raft({ ...this.config, id: this.id }, persisted);
    const options = this.ctx.ledgerOptions;
    this.ledger = persisted.snapshot ? Ledger.restore(persisted.snapshot.data, options) : new Ledger(options);
    this.alive = true;
    this.seenCommit = this.core.log.snapshotIndex;
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
    const log = this.core.log;
    return {
      term: (i) => log.term(i),
      snapshotIndex: () => log.snapshotIndex,
      lastIndex: () => log.lastIndex(),
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
          leaderHint: this.core.leader,
        });
      this.pendingReads.set(context, { clientId: req.clientId, opId: req.opId, key: req.key });
    } else {
      const { kind: op, key, value, expected, clientId, requestId } = req;
      const r = this.core.propose(encodeCommand({ op, key, value, expected, clientId, requestId }));
      if (!r.ok)
        return this.ctx.respond({ clientId, opId: req.opId, ok: false, leaderHint: this.core.leader });
      this.pendingWrites.set(`${clientId}#${requestId}`, req.opId);
    }
    this.drain();
  }

  /** Handles every pending Ready: persist, send, apply, advance. */
  drain(): void {
    while (this.alive && this.core.hasReady()) this.handleReady(this.core.ready());
  }

  private handleReady(rd: Ready): void {
    const { checker } = this.ctx;
    if (rd.softState) {
      this.ctx.trace(
        `${this.id} becomes ${rd.softState.role} in term ${this.core.term} (leader ${rd.softState.leader})`,
      );
      if (rd.softState.role === 'leader') {
        this.ctx.stats.elections++;
        checker.onLeader(this.id, this.core.term, this.logView());
      }
    }
    // The service's rule: committed entries this store already holds are applied (clients answered) before
    // the new entries are written and messages sent (services/consensus replica-node.ts, applyFirst).
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1]?.index ?? 0;
    const applyFirst =
      !rd.snapshot &&
      lastCommitted > 0 &&
      lastCommitted <= this.store.lastIndex() &&
      this.store.term(lastCommitted) === rd.committedEntries[rd.committedEntries.length - 1].term &&
      (rd.entries.length === 0 || rd.entries[0].index > lastCommitted);
    if (applyFirst) {
      this.checkCommit(lastCommitted);
      for (const e of rd.committedEntries) this.apply(e);
      if (this.ctx.crashAfterApply(this)) return;
    }
    if (rd.snapshot) this.store.saveSnapshot(rd.snapshot);
    const torn = this.ctx.tornWrite(this, rd);
    if (torn !== null) {
      if (torn > 0) this.store.append(rd.entries.slice(0, torn));
      return;
    }
    if (rd.entries.length > 0) {
      this.store.append(rd.entries);
      checker.onPersist(this.id, rd.entries, this.storeView());
    }
    if (rd.hardState) this.store.saveHardState(rd.hardState);
    const commitAdvanced = this.checkCommit(rd.hardState?.commit ?? this.seenCommit) || applyFirst;
    if (this.ctx.crashPoint(this, rd, commitAdvanced)) return;
    for (const m of rd.messages) {
      if (m.type === 'installSnapshot') this.ctx.stats.snapshotsSent++;
      this.ctx.sendMessage(m);
    }
    if (rd.snapshot) {
      this.ledger = Ledger.restore(rd.snapshot.data, this.ctx.ledgerOptions);
      this.ctx.trace(`${this.id} installs snapshot at ${rd.snapshot.metadata.index}`);
    }
    if (!applyFirst) for (const e of rd.committedEntries) this.apply(e);
    for (const rs of rd.readStates) {
      const pending = this.pendingReads.get(rs.context);
      if (!pending) continue;
      this.pendingReads.delete(rs.context);
      this.readsAwaitingApply.push({ ...pending, index: rs.index });
    }
    this.core.advance(rd);
    this.serveReads();
    this.maybeCompact();
  }

  /** Checks a commit index the replica reached against what the stores hold; returns whether it advanced. */
  private checkCommit(commit: number): boolean {
    if (commit <= this.seenCommit) return false;
    this.ctx.checker.onCommit(
      this.id,
      this.seenCommit + 1,
      commit,
      this.core.term,
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
    const applied = this.core.log.applied;
    const waiting: PendingRead[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index > applied) waiting.push(r);
      else
        this.ctx.respond({ clientId: r.clientId, opId: r.opId, ok: true, readValue: this.ledger.get(r.key) });
    }
    this.readsAwaitingApply = waiting;
  }

  private maybeCompact(): void {
    const log = this.core.log;
    if (log.applied - log.snapshotIndex < this.compactEvery) return;
    const r = this.core.compact(log.applied, this.ledger.snapshot());
    if (r.ok) this.store.saveSnapshot(r.value);
  }
}
