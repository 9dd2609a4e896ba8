import { randomUUID } from 'node:crypto';
import {
  decodeCommand,
  encodeCommand,
  Ledger,
  Raft,
  type LedgerCommand,
  type LedgerResult,
  type Message,
  type RandomSource,
  type Ready,
  type ReplicaLog,
  type Role,
} from '@ossa/consensus';

/** Where a replica sends Raft messages; delivery is best effort, as Raft expects. */
export interface ReplicaTransport {
  send(message: Message): void;
}

export interface ReplicaNodeOptions {
  id: string;
  peers: string[];
  log: ReplicaLog;
  transport: ReplicaTransport;
  electionTimeoutMs: number;
  heartbeatMs: number;
  snapshotEvery: number;
  random?: RandomSource;
  onRoleChange?: (role: Role, term: number, leader: string | null) => void;
  onApplied?: (entry: { index: number; term: number; command: LedgerCommand; result: LedgerResult; local: boolean }) => void;
  onError?: (err: unknown) => void;
}

export interface ProposeOutcome {
  index: number;
  term: number;
  result: LedgerResult;
}

export class ReplicaError extends Error {
  constructor(
    readonly code: 'NOT_LEADER' | 'STOPPED' | 'TIMEOUT',
    message: string,
    readonly leader: string | null = null,
  ) {
    super(message);
  }
}

interface PendingWrite {
  resolve: (o: ProposeOutcome) => void;
  reject: (e: Error) => void;
}

interface PendingRead {
  context: string;
  index: number;
  resolve: (index: number) => void;
}

/**
 * Runs one Raft replica: ticks on a timer, steps inbound messages, and handles each Ready in order —
 * persist (durably) before sending, then apply, then serve reads. Everything that touches the core is
 * queued and run between Readies, so proposals that arrive while a write is in progress go out together.
 */
export class ReplicaNode {
  private raft!: Raft;
  private ledger = new Ledger();
  private timer?: NodeJS.Timeout;
  private readonly inbox: Array<() => void> = [];
  private draining = false;
  private stopped = false;
  private readonly writes = new Map<string, PendingWrite[]>();
  private readonly readContexts = new Map<string, { resolve: (i: number) => void; reject: (e: Error) => void }>();
  private readsAwaitingApply: PendingRead[] = [];
  private readonly leaderWaiters = new Set<() => void>();
  private readonly clientId = `replica-${randomUUID()}`;
  private requestSeq = 0;
  private readSeq = 0;
  private role: Role = 'follower';
  /** Last log index this replica's log holds durably. */
  private persistedLast = 0;

  constructor(private readonly options: ReplicaNodeOptions) {}

  async start(): Promise<void> {
    const { id, peers, heartbeatMs, electionTimeoutMs } = this.options;
    const persisted = await this.options.log.load();
    const tickMs = Math.max(1, Math.floor(heartbeatMs / 5));
    this.raft = new Raft(
      {
        id,
        voters: peers,
        electionTick: Math.max(2, Math.round(electionTimeoutMs / tickMs)),
        heartbeatTick: Math.max(1, Math.round(heartbeatMs / tickMs)),
        random: this.options.random ?? { next: Math.random },
        preVote: true,
        checkQuorum: true,
      },
      persisted,
    );
    this.ledger = persisted.snapshot ? Ledger.restore(persisted.snapshot.data) : new Ledger();
    this.persistedLast = persisted.entries.length > 0 ? persisted.entries[persisted.entries.length - 1].index : (persisted.snapshot?.metadata.index ?? 0);
    this.timer = setInterval(() => this.enqueue(() => this.raft.tick()), tickMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const stopped = new ReplicaError('STOPPED', 'replica is stopping');
    for (const list of this.writes.values()) for (const w of list) w.reject(stopped);
    this.writes.clear();
    for (const r of this.readContexts.values()) r.reject(stopped);
    this.readContexts.clear();
    while (this.draining) await new Promise((r) => setImmediate(r));
    await this.options.log.close();
  }

  status() {
    const s = this.raft.status();
    return {
      replicaId: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      lastLogIndex: s.lastLogIndex,
      firstLogIndex: s.firstLogIndex,
      peers: s.voters,
    };
  }

  get leader(): string | null {
    return this.raft.leader;
  }

  get isLeader(): boolean {
    return this.raft.role === 'leader';
  }

  step(message: Message): void {
    if (message.to !== this.options.id) return;
    this.enqueue(() => this.raft.step(message));
  }

  /** Resolves when some replica leads (or after `timeoutMs`, with the current leader, possibly null). */
  waitForLeader(timeoutMs: number): Promise<string | null> {
    if (this.raft.leader) return Promise.resolve(this.raft.leader);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.leaderWaiters.delete(done);
        resolve(this.raft.leader);
      };
      const timer = setTimeout(done, timeoutMs);
      this.leaderWaiters.add(done);
    });
  }

  /** Proposes on this replica, which must lead; resolves once the command is committed and applied. */
  propose(command: LedgerCommand, timeoutMs: number): Promise<ProposeOutcome> {
    const cmd: LedgerCommand =
      command.clientId !== undefined && command.requestId !== undefined ? command : { ...command, clientId: this.clientId, requestId: ++this.requestSeq };
    const key = `${cmd.clientId}#${cmd.requestId}`;
    return new Promise((resolve, reject) => {
      const waiter: PendingWrite = { resolve, reject };
      const timer = setTimeout(() => {
        const list = this.writes.get(key)?.filter((w) => w !== waiter) ?? [];
        if (list.length) this.writes.set(key, list);
        else this.writes.delete(key);
        reject(new ReplicaError('TIMEOUT', 'Consensus timeout', this.raft.leader));
      }, timeoutMs);
      waiter.resolve = (o) => (clearTimeout(timer), resolve(o));
      waiter.reject = (e) => (clearTimeout(timer), reject(e));
      this.enqueue(() => {
        const r = this.raft.propose(encodeCommand(cmd));
        if (!r.ok) return waiter.reject(new ReplicaError('NOT_LEADER', r.error.message, this.raft.leader));
        const list = this.writes.get(key) ?? [];
        list.push(waiter);
        this.writes.set(key, list);
      });
    });
  }

  /** Linearizable read (ReadIndex): resolves with the value once this replica has applied the read point. */
  read(key: string, timeoutMs: number): Promise<{ value: string | null; index: number }> {
    const context = `${this.options.id}#${++this.readSeq}`;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readContexts.delete(context);
        this.readsAwaitingApply = this.readsAwaitingApply.filter((r) => r.context !== context);
        reject(new ReplicaError('TIMEOUT', 'Consensus timeout', this.raft.leader));
      }, timeoutMs);
      const settle = { resolve: (i: number) => (clearTimeout(timer), resolve(i)), reject: (e: Error) => (clearTimeout(timer), reject(e)) };
      this.enqueue(() => {
        const r = this.raft.readIndex(context);
        if (!r.ok) return settle.reject(new ReplicaError('NOT_LEADER', r.error.message, this.raft.leader));
        this.readContexts.set(context, settle);
      });
    }).then((index) => ({ value: this.ledger.get(key), index }));
  }

  private enqueue(work: () => void): void {
    if (this.stopped) return;
    this.inbox.push(work);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.stopped) {
        for (let work = this.inbox.shift(); work; work = this.inbox.shift()) work();
        if (!this.raft.hasReady()) break;
        await this.handleReady(this.raft.ready());
      }
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.draining = false;
    }
    if (this.inbox.length > 0 && !this.stopped) void this.drain();
  }

  private async handleReady(rd: Ready): Promise<void> {
    const log = this.options.log;
    // Committed entries this log already holds durably are applied (and their clients answered) before this
    // Ready's new entries are written: they are committed by a majority and durable here, and new entries
    // never overwrite committed ones. Under steady load this takes one disk write off every commit's path.
    const lastCommitted = rd.committedEntries.length > 0 ? rd.committedEntries[rd.committedEntries.length - 1].index : 0;
    const applyFirst = !rd.snapshot && lastCommitted > 0 && lastCommitted <= this.persistedLast && (rd.entries.length === 0 || rd.entries[0].index > lastCommitted);
    if (applyFirst) this.applyCommitted(rd);
    if (rd.snapshot) {
      await log.saveSnapshot(rd.snapshot);
      this.persistedLast = Math.max(this.persistedLast, rd.snapshot.metadata.index);
    }
    // Entries and hard state are written together (a file log puts both in one write and one sync).
    await Promise.all([rd.entries.length > 0 ? log.append(rd.entries) : undefined, rd.hardState ? log.saveHardState(rd.hardState) : undefined]);
    if (rd.entries.length > 0) this.persistedLast = rd.entries[rd.entries.length - 1].index;
    for (const m of rd.messages) this.options.transport.send(m);
    if (rd.snapshot) this.ledger = Ledger.restore(rd.snapshot.data);
    if (!applyFirst) this.applyCommitted(rd);
    this.finishReady(rd);
    const applied = this.raft.log.applied;
    if (applied - this.raft.log.snapshotIndex >= this.options.snapshotEvery) {
      const snap = this.raft.compact(applied, this.ledger.snapshot());
      if (snap.ok) await log.saveSnapshot(snap.value);
    }
  }

  private applyCommitted(rd: Ready): void {
    for (const e of rd.committedEntries) {
      if (e.type !== 'normal') continue;
      const result = this.ledger.applyEntry(e.data, e.index);
      if (!result) continue;
      const command = decodeCommand(e.data);
      const key = `${command.clientId}#${command.requestId}`;
      const waiting = this.writes.get(key);
      if (waiting) this.writes.delete(key);
      for (const w of waiting ?? []) w.resolve({ index: e.index, term: e.term, result });
      this.options.onApplied?.({ index: e.index, term: e.term, command, result, local: waiting !== undefined });
    }
  }

  private finishReady(rd: Ready): void {
    for (const rs of rd.readStates) {
      const pending = this.readContexts.get(rs.context);
      if (!pending) continue;
      this.readContexts.delete(rs.context);
      this.readsAwaitingApply.push({ context: rs.context, index: rs.index, resolve: pending.resolve });
    }
    this.raft.advance(rd);
    const applied = this.raft.log.applied;
    const still: PendingRead[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index <= applied) r.resolve(r.index);
      else still.push(r);
    }
    this.readsAwaitingApply = still;
    if (rd.softState) {
      if (rd.softState.role !== this.role || rd.softState.leader) {
        this.role = rd.softState.role;
        this.options.onRoleChange?.(rd.softState.role, this.raft.term, rd.softState.leader);
      }
      if (rd.softState.leader) for (const w of [...this.leaderWaiters]) w();
    }
  }
}
