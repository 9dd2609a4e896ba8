import {
  CatchUpCompactor,
  checkPeerMessage,
  decodeCommand,
  encodeCommand,
  Ledger,
  planReady,
  RawNode,
  type Entry,
  type LedgerCommand,
  type LedgerResult,
  type Message,
  type PeerDropReason,
  type RandomSource,
  type Ready,
  type ReplicaLog,
  type Role,
} from '@ossa/consensus';
import { CoreEvents } from './core-events';
import { LocalSession } from './local-session';
import {
  decodeFragmentAck,
  decodeMessage,
  encodeFragmentAck,
  encodeMessage,
  FRAGMENT_ACK,
  frameMessage,
  Reassembler,
} from './wire';

/** Frame bytes kept free for the broker's headers and the subject. */
const FRAME_HEADROOM = 8 * 1024;

/** Where a replica publishes frames of Raft messages; delivery is best effort, as Raft expects (a throw is a lost message). */
export interface ReplicaTransport {
  publish(to: string, frame: Uint8Array): void | Promise<void>;
}

/** The Ready loop's real state, for /health and ossa.consensus.status. */
export type LoopState =
  { state: 'starting' } | { state: 'running' } | { state: 'stopped' } | { state: 'failed'; reason: string };

export interface ReplicaNodeOptions {
  id: string;
  /** The voters the log starts from (CONSENSUS_PEERS); the configuration in force is the latest one in the log. */
  peers: string[];
  /** A replica joining a running cluster: not a voter until the leader's entry adding it is in its log. */
  join?: boolean;
  log: ReplicaLog;
  transport: ReplicaTransport;
  electionTimeoutMs: number;
  heartbeatMs: number;
  snapshotEvery: number;
  /** Entries kept behind the applied index when the log is compacted (etcd's SnapshotCatchUpEntries). */
  snapshotCatchUpEntries?: number;
  /** Largest frame the transport carries (NATS max_payload); bigger messages go in fragments. Default 1 MiB. */
  maxPayload?: number;
  /** Largest message reassembled from fragments (a snapshot). Default 512 MiB. */
  maxMessageBytes?: number;
  /**
   * Bytes of one fragmented message (a snapshot) in flight to one peer before the peer acknowledges
   * fragments: the stream's window. At least one frame. Default 4 MiB.
   */
  streamWindowBytes?: number;
  /** A fragmented message with no fragment acknowledged for this long is abandoned. Default 2 s. */
  streamStallMs?: number;
  random?: RandomSource;
  onRoleChange?: (role: Role, term: number, leader: string | null) => void;
  onApplied?: (entry: {
    index: number;
    term: number;
    command: LedgerCommand;
    result: LedgerResult;
    local: boolean;
  }) => void;
  /** A send failed: counted, then treated as Raft's ordinary message loss. */
  onSendFailed?: (message: Message, err: unknown) => void;
  /** The loop stopped for good (a storage or state machine failure); the host should stop the process. */
  onFatal?: (err: unknown) => void;
}

export interface ProposeOutcome {
  index: number;
  term: number;
  result: LedgerResult;
}

export class ReplicaError extends Error {
  constructor(
    /** DROPPED: the entry was overwritten or its leader's term ended; retry on the current leader. */
    readonly code: 'NOT_LEADER' | 'STOPPED' | 'TIMEOUT' | 'DROPPED' | 'FAILED',
    message: string,
    readonly leader: string | null = null,
  ) {
    super(message);
  }
}

interface PendingWrite {
  resolve: (o: ProposeOutcome) => void;
  reject: (e: Error) => void;
  /** Where the proposal landed in the leader's log; set once proposed. */
  index?: number;
  term?: number;
}

/** A message travelling in fragments to one peer: a window of frames in flight, moved on by the peer's acks. */
interface OutboundStream {
  message: Message;
  id: number;
  frames: Uint8Array[];
  /** Next frame to publish. */
  next: number;
  /** Frames the peer acknowledged (in order). */
  acked: number;
  lastProgress: number;
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
  private raft!: RawNode;
  private ledger = new Ledger();
  private timer?: NodeJS.Timeout;
  private readonly inbox: Array<() => void> = [];
  private draining = false;
  /** Inside {@link together}: work is queued but the loop waits for the caller to finish queueing. */
  private holding = 0;
  private stopped = false;
  private readonly writes = new Map<string, PendingWrite[]>();
  /** The same waiters by the log index their proposal took, to fail one whose entry was overwritten. */
  private readonly writesByIndex = new Map<number, { key: string; waiter: PendingWrite }>();
  private readonly readContexts = new Map<
    string,
    { resolve: (i: number) => void; reject: (e: Error) => void }
  >();
  private readsAwaitingApply: PendingRead[] = [];
  private readonly leaderWaiters = new Set<() => void>();
  private readonly session = new LocalSession();
  private readSeq = 0;
  private role: Role = 'follower';
  /** Last log index this replica's log holds durably. */
  private persistedLast = 0;
  private loop: LoopState = { state: 'starting' };
  private isolated = new Set<string>();
  private compactor!: CatchUpCompactor;
  /** Membership admin listens here for configuration entries applied and leadership changes. */
  readonly coreEvents = new CoreEvents();
  private reassembler!: Reassembler;
  /** The sender the peer subject proves, while a frame is being accepted. */
  private frameSender?: string;
  private messageSeq = 0;
  /** At most one fragmented message in flight per peer; a newer one replaces it. */
  private readonly streams = new Map<string, OutboundStream>();
  /** The transfer target the core had at the last look (watchTransfer). */
  private transferee: string | null = null;

  constructor(private readonly options: ReplicaNodeOptions) {}

  async start(): Promise<void> {
    const { id, peers, heartbeatMs, electionTimeoutMs } = this.options;
    const persisted = await this.options.log.load();
    const tickMs = Math.max(1, Math.floor(heartbeatMs / 5));
    this.raft = new RawNode(
      {
        id,
        voters: this.options.join ? peers.filter((p) => p !== id) : peers,
        electionTick: Math.max(2, Math.round(electionTimeoutMs / tickMs)),
        heartbeatTick: Math.max(1, Math.round(heartbeatMs / tickMs)),
        random: this.options.random ?? { next: Math.random },
        preVote: true,
        checkQuorum: true,
        // Payloads travel as they are, with 21 bytes of header each (64 at most per message): a batch fits a frame.
        maxSizePerMsg: this.maxFrame() - 4096,
      },
      persisted,
    );
    this.compactor = new CatchUpCompactor({
      snapshotEvery: this.options.snapshotEvery,
      catchUpEntries: this.options.snapshotCatchUpEntries ?? 5000,
    });
    this.reassembler = new Reassembler(
      // A fragment must name the replica the subject proves sent it, or it could break into another's message.
      (peer) => this.isPeer(peer) && (this.frameSender === undefined || peer === this.frameSender),
      this.options.maxMessageBytes ?? 512 * 1024 * 1024,
    );
    this.loop = { state: 'running' };
    this.ledger = persisted.snapshot ? Ledger.restore(persisted.snapshot.data) : new Ledger();
    this.persistedLast =
      persisted.entries.length > 0
        ? persisted.entries[persisted.entries.length - 1].index
        : (persisted.snapshot?.metadata.index ?? 0);
    this.timer = setInterval(
      () =>
        this.enqueue(() => {
          this.raft.tick();
          this.abandonStalledStreams();
        }),
      tickMs,
    );
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.halt(new ReplicaError('STOPPED', 'replica is stopping'));
    if (this.loop.state !== 'failed') this.loop = { state: 'stopped' };
    while (this.draining) await new Promise((r) => setImmediate(r));
    await this.options.log.close();
  }

  /** Whether the Ready loop runs, and if it failed, why. */
  loopState(): LoopState {
    return this.loop;
  }

  /** Fault injection: messages to and from these replicas are dropped. */
  isolate(ids: string[]): void {
    this.isolated = new Set(ids);
  }

  /**
   * Takes raw bytes from the peer subject: decodes and checks them (sender a peer and, when the subject names
   * it, the sender the subject proves; addressed here; every field sane) and steps the message. Returns why it
   * was dropped, or null. Never throws.
   */
  receive(frame: Uint8Array, sender?: string): { reason: PeerDropReason; detail: string } | null {
    if (!this.raft) return { reason: 'wrong_recipient', detail: 'replica not started' };
    if (frame.length > 0 && frame[0] === FRAGMENT_ACK) return this.receiveFragmentAck(frame, sender);
    this.frameSender = sender;
    let whole;
    try {
      whole = this.reassembler.accept(frame);
    } finally {
      this.frameSender = undefined;
    }
    if (whole.kind === 'drop') return { reason: whole.reason, detail: whole.detail };
    if (whole.fragment) this.ackFragment(whole.fragment);
    if (whole.kind === 'partial') return null;
    const decoded = decodeMessage(whole.bytes);
    if (!decoded.ok) return { reason: 'undecodable', detail: decoded.detail };
    const checked = checkPeerMessage(decoded.candidate, {
      self: this.options.id,
      sender,
      peers: { has: (id) => this.isPeer(id) },
    });
    if (!checked.ok) return { reason: checked.reason, detail: checked.detail };
    if (!this.isolated.has(checked.message.from)) this.step(checked.message);
    return null;
  }

  /** Peers are the voters of the configuration in force (thesis §4.1): an added replica is one, a removed one no longer. */
  private isPeer(id: string): boolean {
    return id !== this.options.id && this.raft.isVoter(id);
  }

  /** Runs `work` against the core between Readies (membership admin); a throw, or the loop halting first, rejects. */
  onCore<T>(work: (raft: RawNode) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.stopped) return reject(this.stoppedError());
      const off = this.coreEvents.subscribe({ halted: (err) => reject(err) });
      this.enqueue(() => {
        off();
        try {
          resolve(work(this.raft));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  private maxFrame(): number {
    return Math.max(64 * 1024, (this.options.maxPayload ?? 1024 * 1024) - FRAME_HEADROOM);
  }

  private stoppedError(): ReplicaError {
    const l = this.loop;
    return l.state === 'failed'
      ? new ReplicaError('FAILED', `replica stopped after a failure: ${l.reason}`)
      : new ReplicaError('STOPPED', 'replica is stopping');
  }

  private halt(err: ReplicaError): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.coreEvents.halted(err);
    for (const list of this.writes.values()) for (const w of list) w.reject(err);
    this.writes.clear();
    this.writesByIndex.clear();
    this.streams.clear();
    for (const r of this.readContexts.values()) r.reject(err);
    this.readContexts.clear();
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
      /** Whether this replica is a voter of the configuration in force (false once removed, or while joining). */
      member: s.voters.includes(s.id),
    };
  }

  get leader(): string | null {
    return this.raft.leader();
  }

  /** Whether this replica is a voter of the configuration in force. */
  isMember(): boolean {
    return this.raft.isVoter(this.options.id);
  }

  get isLeader(): boolean {
    return this.raft.role() === 'leader';
  }

  step(message: Message): void {
    if (message.to !== this.options.id) return;
    this.enqueue(() => this.raft.step(message));
  }

  /** Resolves when some replica leads (or after `timeoutMs`, with the current leader, possibly null). */
  waitForLeader(timeoutMs: number): Promise<string | null> {
    if (this.raft.leader()) return Promise.resolve(this.raft.leader());
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.leaderWaiters.delete(done);
        resolve(this.raft.leader());
      };
      const timer = setTimeout(done, timeoutMs);
      this.leaderWaiters.add(done);
    });
  }

  /** Proposes on this replica, which must lead; resolves once the command is committed and applied. */
  propose(command: LedgerCommand, timeoutMs: number): Promise<ProposeOutcome> {
    const { command: cmd, done } = this.session.stamp(command);
    const key = `${cmd.clientId}#${cmd.requestId}`;
    return new Promise((resolve, reject) => {
      const waiter: PendingWrite = { resolve, reject };
      const timer = setTimeout(() => {
        this.forget(key, waiter);
        done();
        reject(new ReplicaError('TIMEOUT', 'Consensus timeout', this.raft.leader()));
      }, timeoutMs);
      waiter.resolve = (o) => (clearTimeout(timer), done(), resolve(o));
      waiter.reject = (e) => (clearTimeout(timer), done(), reject(e));
      if (this.stopped) return waiter.reject(this.stoppedError());
      this.enqueue(() => {
        const r = this.raft.propose(encodeCommand(cmd));
        if (!r.ok) return waiter.reject(new ReplicaError('NOT_LEADER', r.error.message, this.raft.leader()));
        waiter.index = r.value.index;
        waiter.term = r.value.term;
        const list = this.writes.get(key) ?? [];
        list.push(waiter);
        this.writes.set(key, list);
        this.writesByIndex.set(r.value.index, { key, waiter });
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
        reject(new ReplicaError('TIMEOUT', 'Consensus timeout', this.raft.leader()));
      }, timeoutMs);
      const settle = {
        resolve: (i: number) => (clearTimeout(timer), resolve(i)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      if (this.stopped) return settle.reject(this.stoppedError());
      this.enqueue(() => {
        const r = this.raft.readIndex(context);
        if (!r.ok) return settle.reject(new ReplicaError('NOT_LEADER', r.error.message, this.raft.leader()));
        this.readContexts.set(context, settle);
      });
    }).then((index) => ({ value: this.ledger.get(key), index }));
  }

  /**
   * Runs `queue` (proposals of one batch request) with the loop held, so everything it enqueues is stepped in
   * one pass and shares one Ready; an idle loop would otherwise start a Ready on the first proposal alone.
   */
  together<T>(queue: () => T): T {
    this.holding++;
    try {
      return queue();
    } finally {
      if (--this.holding === 0 && !this.draining && this.inbox.length > 0 && !this.stopped) void this.drain();
    }
  }

  private enqueue(work: () => void): void {
    if (this.stopped) return;
    this.inbox.push(work);
    if (!this.draining && this.holding === 0) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.stopped) {
        for (let work = this.inbox.shift(); work; work = this.inbox.shift()) work();
        this.watchTransfer();
        if (!this.raft.hasReady()) break;
        await this.handleReady(this.raft.ready());
      }
    } catch (err) {
      // A storage (or state machine) failure leaves memory and disk out of step: stop for good, once.
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.loop = { state: 'failed', reason };
      this.halt(new ReplicaError('FAILED', `replica stopped after a failure: ${reason}`));
      this.options.onFatal?.(err);
    } finally {
      this.draining = false;
    }
    if (this.inbox.length > 0 && !this.stopped) void this.drain();
  }

  /** Tells membership admin when a leadership transfer ends: the target took over, or the leader abandoned it. */
  private watchTransfer(): void {
    const now = this.raft.leadTransferee();
    if (now === this.transferee) return;
    const ended = this.transferee;
    this.transferee = now;
    if (ended !== null) this.coreEvents.transferEnded(ended);
  }

  /** Runs the core's plan for this Ready: the same steps, in the same order, as the simulator. */
  private async handleReady(rd: Ready): Promise<void> {
    const log = this.options.log;
    const raft = this.raft;
    // Below the first unstable entry the core's log is what the replica log holds.
    const durable = { lastIndex: this.persistedLast, term: (i: number) => raft.logTerm(i) };
    for (const step of planReady(rd, durable)) {
      switch (step.kind) {
        case 'apply':
          this.applyCommitted(step.entries);
          break;
        case 'persist':
          if (step.snapshot) {
            await log.saveSnapshot(step.snapshot);
            this.persistedLast = Math.max(this.persistedLast, step.snapshot.metadata.index);
          }
          // Entries and hard state in one write, flushed only when the core says something durable changed.
          if (step.entries.length > 0 || step.hardState)
            await log.persist({ entries: step.entries, hardState: step.hardState }, { sync: step.sync });
          if (step.entries.length > 0) this.persistedLast = step.entries[step.entries.length - 1].index;
          break;
        case 'send':
          for (const m of step.messages) this.send(m);
          break;
        case 'restore':
          this.ledger = Ledger.restore(step.snapshot.data);
          this.compactor.reset();
          break;
        case 'finish':
          this.finishReady(rd);
          break;
      }
    }
    const due = this.compactor.afterApply(raft.appliedIndex(), raft.snapshotIndex(), () =>
      this.ledger.snapshot(),
    );
    if (due) {
      const snap = raft.compact(due.index, due.data);
      if (snap.ok) await log.saveSnapshot(snap.value);
    }
  }

  /**
   * One message, one send: a failure (synchronous or not) is a lost message and never stops the loop. A
   * message over one frame (a snapshot) becomes a stream of fragments with a window in flight.
   */
  private send(m: Message): void {
    if (this.isolated.has(m.to)) return;
    try {
      const id = ++this.messageSeq;
      const frames = frameMessage(encodeMessage(m), this.options.id, id, this.maxFrame());
      if (frames.length === 1) return this.publish(m, frames[0]);
      const replaced = this.streams.get(m.to);
      // A newer fragmented message supersedes one still in flight; a superseded snapshot is reported failed
      // unless a snapshot replaces it (the newer one carries on).
      if (replaced && replaced.message.type === 'installSnapshot' && m.type !== 'installSnapshot')
        this.enqueue(() => this.raft.reportSnapshot(m.to, true));
      const stream: OutboundStream = { message: m, id, frames, next: 0, acked: 0, lastProgress: Date.now() };
      this.streams.set(m.to, stream);
      this.pump(stream);
    } catch (err) {
      this.sendFailed(m, err);
    }
  }

  private publish(m: Message, frame: Uint8Array): void {
    try {
      const sent = this.options.transport.publish(m.to, frame);
      if (sent) sent.catch((err: unknown) => this.sendFailed(m, err));
    } catch (err) {
      this.sendFailed(m, err);
    }
  }

  private sendFailed(m: Message, err: unknown): void {
    this.options.onSendFailed?.(m, err);
    const stream = this.streams.get(m.to);
    if (stream?.message === m) this.streams.delete(m.to);
    if (m.type === 'installSnapshot') this.enqueue(() => this.raft.reportSnapshot(m.to, true));
  }

  /** Publishes frames while the window (bytes in flight, at least one frame) has room. */
  private pump(stream: OutboundStream): void {
    const window = Math.max(
      1,
      Math.floor((this.options.streamWindowBytes ?? 4 * 1024 * 1024) / this.maxFrame()),
    );
    while (stream.next < stream.frames.length && stream.next - stream.acked < window) {
      if (this.streams.get(stream.message.to) !== stream) return;
      this.publish(stream.message, stream.frames[stream.next++]);
    }
  }

  /** The receiver's flow control: it acknowledges each fragment it accepted, in order. */
  private ackFragment(fragment: { sender: string; id: number; seq: number }): void {
    if (this.isolated.has(fragment.sender)) return;
    try {
      const sent = this.options.transport.publish(
        fragment.sender,
        encodeFragmentAck(this.options.id, fragment.id, fragment.seq),
      );
      if (sent) sent.catch(() => undefined); // a lost ack stalls the stream, which the sender abandons
    } catch {
      // As above: the sender's stall timeout covers a lost ack.
    }
  }

  private receiveFragmentAck(
    frame: Uint8Array,
    sender: string | undefined,
  ): { reason: PeerDropReason; detail: string } | null {
    const ack = decodeFragmentAck(frame);
    if (!ack.ok) return { reason: 'undecodable', detail: ack.detail };
    if (!this.isPeer(ack.from))
      return { reason: 'unknown_sender', detail: `fragment ack from ${ack.from} who is not a peer` };
    // The subject proves who sent it: an ack naming another replica would move that replica's stream.
    if (sender !== undefined && ack.from !== sender)
      return { reason: 'forged_sender', detail: `fragment ack from ${ack.from} on the subject of ${sender}` };
    if (this.isolated.has(ack.from)) return null;
    const stream = this.streams.get(ack.from);
    // An ack of another (older) message, or of a fragment not sent yet, moves nothing.
    if (!stream || stream.id !== ack.messageId || ack.seq >= stream.next) return null;
    if (ack.seq + 1 > stream.acked) {
      stream.acked = ack.seq + 1;
      stream.lastProgress = Date.now();
    }
    if (stream.acked === stream.frames.length) this.streams.delete(ack.from);
    else this.pump(stream);
    return null;
  }

  /** A stream whose peer acknowledged nothing for streamStallMs is dropped; a snapshot is reported failed. */
  private abandonStalledStreams(): void {
    const stallMs = this.options.streamStallMs ?? 2000;
    const now = Date.now();
    for (const [to, stream] of this.streams) {
      if (now - stream.lastProgress < stallMs) continue;
      this.streams.delete(to);
      this.options.onSendFailed?.(
        stream.message,
        new Error(`no fragment acknowledged by ${to} for ${stallMs} ms`),
      );
      if (stream.message.type === 'installSnapshot') this.raft.reportSnapshot(to, true);
    }
  }

  private applyCommitted(entries: Entry[]): void {
    for (const e of entries) {
      if (e.type === 'confChange') this.coreEvents.confChangeApplied(e.index, e.term);
      this.failOverwritten(e.index, e.term);
      if (e.type !== 'normal') continue;
      // A leader's no-op entry is empty: it only moves the applied index.
      if (e.data.length === 0) {
        this.ledger.applyEntry(e.data, e.index);
        continue;
      }
      // Decoded once, for the ledger and for the answer (decoding was a tenth of the leader's Raft time).
      const command = decodeCommand(e.data);
      const result = this.ledger.apply(command, e.index);
      const key = `${command.clientId}#${command.requestId}`;
      const waiting = this.writes.get(key);
      if (waiting) {
        this.writes.delete(key);
        for (const w of waiting)
          if (w.index !== undefined && this.writesByIndex.get(w.index)?.waiter === w)
            this.writesByIndex.delete(w.index);
      }
      // Every attempt of this request gets the answer of the copy that applied (sessions make copies safe).
      for (const w of waiting ?? []) w.resolve({ index: e.index, term: e.term, result });
      this.options.onApplied?.({
        index: e.index,
        term: e.term,
        command,
        result,
        local: waiting !== undefined,
      });
    }
  }

  /** A proposal whose index committed with another term was overwritten: it fails now, retryably. */
  private failOverwritten(index: number, term: number): void {
    const at = this.writesByIndex.get(index);
    if (!at) return;
    this.writesByIndex.delete(index);
    if (at.waiter.term === term) return;
    this.forget(at.key, at.waiter);
    at.waiter.reject(
      new ReplicaError(
        'DROPPED',
        `proposal at index ${index} was overwritten by term ${term}; retry on the leader`,
        this.raft.leader(),
      ),
    );
  }

  private forget(key: string, waiter: PendingWrite): void {
    const list = this.writes.get(key)?.filter((w) => w !== waiter) ?? [];
    if (list.length) this.writes.set(key, list);
    else this.writes.delete(key);
    if (waiter.index !== undefined && this.writesByIndex.get(waiter.index)?.waiter === waiter)
      this.writesByIndex.delete(waiter.index);
  }

  /** The leader's term ended: its proposals may never commit, so they fail now and are retried by the caller. */
  private failProposalsOfEndedTerm(): void {
    const err = new ReplicaError(
      'DROPPED',
      `leadership of term ${this.raft.term()} ended before the proposal committed; retry on the new leader`,
      this.raft.leader(),
    );
    for (const list of this.writes.values()) for (const w of list) w.reject(err);
    this.writes.clear();
    this.writesByIndex.clear();
  }

  private finishReady(rd: Ready): void {
    for (const rs of rd.readStates) {
      const pending = this.readContexts.get(rs.context);
      if (!pending) continue;
      this.readContexts.delete(rs.context);
      this.readsAwaitingApply.push({ context: rs.context, index: rs.index, resolve: pending.resolve });
    }
    this.raft.advance(rd);
    const applied = this.raft.appliedIndex();
    const still: PendingRead[] = [];
    for (const r of this.readsAwaitingApply) {
      if (r.index <= applied) r.resolve(r.index);
      else still.push(r);
    }
    this.readsAwaitingApply = still;
    if (rd.committedEntries.length > 0 || rd.snapshot) this.coreEvents.applied(applied);
    if (rd.softState) {
      if (this.role === 'leader' && rd.softState.role !== 'leader') this.failProposalsOfEndedTerm();
      if (rd.softState.role !== this.role || rd.softState.leader) {
        this.role = rd.softState.role;
        this.options.onRoleChange?.(rd.softState.role, this.raft.term(), rd.softState.leader);
      }
      if (rd.softState.leader) for (const w of [...this.leaderWaiters]) w();
      this.coreEvents.leadership(rd.softState.leader, this.raft.term());
    }
  }
}
