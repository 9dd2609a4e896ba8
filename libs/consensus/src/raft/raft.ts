// The Raft state machine: a value driven by step(), tick() and the propose/read/transfer calls, whose
// outputs are collected in a Ready batch. No timers, I/O or ambient randomness inside.
import { fail, ok, RaftError, type Result } from './errors';
import { campaign } from './election';
import {
  confStateAt,
  decodeConfChange,
  encodeConfChange,
  followLogConfiguration,
  onConfChangeCommitted,
  pruneConfHistory,
  validateConfChange,
} from './membership';
import { Progress } from './progress';
import { RaftLog } from './raft-log';
import { leaderReadIndex, ReadIndexQueue, releaseDeferredReads } from './read-index';
import { bcastAppend, bcastHeartbeat, maybeCommit, sendAppend } from './replication';
import { stepMessage, tickFollower, tickLeader } from './step';
import type {
  ConfChange,
  Entry,
  HardState,
  Message,
  NodeId,
  PersistedState,
  RaftConfig,
  RaftStatus,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SoftState,
} from './types';

type Options = Required<Omit<RaftConfig, 'id' | 'voters' | 'random' | 'testingBugs'>> &
  Pick<RaftConfig, 'random' | 'testingBugs'>;

const emptyHardState: HardState = { term: 0, vote: null, commit: 0 };

/** @internal fields are public so the election/replication/membership modules can act on them. */
export class Raft {
  readonly id: NodeId;
  readonly opts: Options;
  term = 0;
  vote: NodeId | null = null;
  role: Role = 'follower';
  leader: NodeId | null = null;
  readonly log: RaftLog;
  voters: Set<NodeId>;
  /** Voter sets by the index of the entry (or snapshot) that introduced them, oldest first. */
  confHistory: { index: number; voters: NodeId[] }[];
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId | null = null;
  /** Index of the latest membership change proposed by this leader; a new one waits until it commits. */
  pendingConfIndex = 0;
  readonly reads = new ReadIndexQueue();
  /** Reads that arrived before this leader committed an entry of its term. */
  deferredReads: { context: string; from: NodeId }[] = [];
  latestSnapshot: Snapshot | null;
  /** Proposals are batched: appends go out when ready() is called, not per proposal. */
  broadcastPending: 'none' | 'entries' | 'all' = 'none';
  /** ReadIndex requests wait for a heartbeat round, sent once per Ready for all of them. */
  readHeartbeatPending = false;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private awaitingAdvance = false;

  constructor(
    config: RaftConfig,
    persisted: PersistedState = { hardState: emptyHardState, snapshot: null, entries: [] },
  ) {
    this.id = config.id;
    this.opts = {
      electionTick: config.electionTick,
      heartbeatTick: config.heartbeatTick,
      random: config.random,
      preVote: config.preVote ?? false,
      checkQuorum: config.checkQuorum ?? false,
      maxInflight: config.maxInflight ?? 256,
      maxEntriesPerMessage: config.maxEntriesPerMessage ?? 64,
      maxSizePerMsg: config.maxSizePerMsg ?? 1024 * 1024,
      snapshotRetryTicks: config.snapshotRetryTicks ?? config.electionTick * 10,
      maxCommittedPerReady: config.maxCommittedPerReady ?? 1024,
      testingBugs: config.testingBugs,
    };
    if (this.opts.heartbeatTick >= this.opts.electionTick)
      throw new Error('heartbeatTick must be below electionTick');
    const { hardState, snapshot, entries } = persisted;
    this.log = new RaftLog(snapshot, entries, hardState.commit);
    this.latestSnapshot = snapshot;
    const initial = snapshot ? snapshot.metadata.confState.voters : config.voters;
    this.voters = new Set(initial);
    this.confHistory = [{ index: this.log.snapshotIndex, voters: [...initial] }];
    // The configuration in force is the latest one in the log, committed or not (thesis §4.1): it never
    // depends on how far the persisted commit index got.
    const logged = this.log.slice(this.log.firstIndex(), this.log.lastIndex() + 1) ?? [];
    if (logged.length > 0) followLogConfiguration(this, logged);
    this.log.onAppend = (entries) => followLogConfiguration(this, entries);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(hardState.term, null);
    this.prevHardState = { ...hardState, commit: this.log.committed };
    this.prevSoftState = { leader: null, role: 'follower' };
  }

  // ---- inputs ----------------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') tickLeader(this);
    else tickFollower(this);
  }

  /** Starts an election now, as if the election timeout had elapsed (etcd's MsgHup). */
  campaign(): void {
    if (this.role !== 'leader') campaign(this, this.opts.preVote ? 'preElection' : 'election');
  }

  step(m: Message): void {
    stepMessage(this, m);
  }

  propose(data: Uint8Array): Result<{ index: number; term: number }> {
    const r = this.proposeBatch([data]);
    return r.ok ? ok({ index: r.value.firstIndex, term: r.value.term }) : r;
  }

  /** Appends several proposals as consecutive entries; they travel together in the next AppendEntries. */
  proposeBatch(data: Uint8Array[]): Result<{ firstIndex: number; lastIndex: number; term: number }> {
    const refused = this.refuseProposal();
    if (refused) return fail(refused);
    const firstIndex = this.log.lastIndex() + 1;
    this.appendEntries(
      data.map((d, i) => ({ index: firstIndex + i, term: this.term, type: 'normal', data: d })),
    );
    return ok({ firstIndex, lastIndex: this.log.lastIndex(), term: this.term });
  }

  proposeConfChange(cc: ConfChange): Result<{ index: number; term: number }> {
    const refused = this.refuseProposal();
    if (refused) return fail(refused);
    if (this.pendingConfIndex > this.log.committed) {
      const msg = `membership change at index ${this.pendingConfIndex} is not committed yet; retry after it commits`;
      return fail(new RaftError('CONF_CHANGE_PENDING', msg, { index: this.pendingConfIndex }));
    }
    const invalid = validateConfChange(this.voters, cc);
    if (invalid) return fail(invalid);
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ index, term: this.term, type: 'confChange', data: encodeConfChange(cc) }]);
    this.pendingConfIndex = index;
    return ok({ index, term: this.term });
  }

  /** Requests a linearizable read point; the answer arrives as a ReadState carrying `context`. */
  readIndex(context: string): Result<void> {
    if (this.role === 'leader') {
      leaderReadIndex(this, context, this.id);
      return ok(undefined);
    }
    if (this.leader === null) return fail(this.notLeader());
    this.send({ type: 'readIndex', to: this.leader, term: this.term, context });
    return ok(undefined);
  }

  transferLeadership(to: NodeId): Result<void> {
    if (this.role !== 'leader') return fail(this.notLeader());
    if (to === this.id || !this.voters.has(to)) {
      return fail(
        new RaftError('INVALID_TRANSFER', `cannot transfer leadership to ${to}: not another voter`, {
          nodeId: to,
        }),
      );
    }
    if (this.leadTransferee === to) return ok(undefined);
    this.leadTransferee = to;
    // Thesis §3.10: the transfer must finish within an election timeout or it is abandoned.
    this.electionElapsed = 0;
    const pr = this.progress.get(to);
    if (pr && pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to, term: this.term });
    else sendAppend(this, to, true);
    return ok(undefined);
  }

  /**
   * The host tells how sending a snapshot to `to` went (etcd's ReportSnapshot): on failure the follower is
   * probed again at once instead of waiting out snapshotRetryTicks.
   */
  reportSnapshot(to: NodeId, failed: boolean): void {
    const pr = this.progress.get(to);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (failed) pr.pendingSnapshot = 0;
    pr.becomeProbe();
  }

  /** Folds entries up to `index` (already applied) into a snapshot holding `data`; the host persists it. */
  compact(index: number, data: Uint8Array): Result<Snapshot> {
    if (index <= this.log.snapshotIndex) {
      return fail(new RaftError('COMPACTED', `index ${index} is already compacted`, { index }));
    }
    if (index > this.log.applied) {
      return fail(
        new RaftError('UNAVAILABLE', `index ${index} is not applied yet (applied ${this.log.applied})`, {
          index,
        }),
      );
    }
    const term = this.log.term(index) as number;
    const snapshot: Snapshot = { metadata: { index, term, confState: confStateAt(this, index) }, data };
    this.log.compact(index);
    this.latestSnapshot = snapshot;
    pruneConfHistory(this, index);
    return ok(snapshot);
  }

  // ---- outputs ---------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.broadcastPending !== 'none' ||
      this.readHeartbeatPending ||
      this.log.pendingSnapshot !== null ||
      this.log.stableIndex < this.log.lastIndex() ||
      this.log.hasNextCommittedEntries() ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      this.prevSoftState.leader !== this.leader ||
      this.prevSoftState.role !== this.role
    );
  }

  ready(): Ready {
    if (this.awaitingAdvance) throw new Error('ready() called again before advance() of the previous Ready');
    if (this.broadcastPending !== 'none' && this.role === 'leader')
      bcastAppend(this, this.broadcastPending === 'all');
    this.broadcastPending = 'none';
    if (this.readHeartbeatPending && this.role === 'leader') bcastHeartbeat(this);
    this.readHeartbeatPending = false;
    const rd: Ready = {
      entries: this.log.unstableEntries(),
      committedEntries: this.log.nextCommittedEntries(this.opts.maxCommittedPerReady),
      messages: this.msgs,
      readStates: this.readStates,
      mustSync: false,
      hardStateSync: false,
    };
    const hs = this.hardState();
    if (!sameHardState(hs, this.prevHardState)) rd.hardState = hs;
    if (this.prevSoftState.leader !== this.leader || this.prevSoftState.role !== this.role) {
      rd.softState = { leader: this.leader, role: this.role };
      this.prevSoftState = rd.softState;
    }
    if (this.log.pendingSnapshot) rd.snapshot = this.log.pendingSnapshot;
    rd.hardStateSync =
      rd.hardState !== undefined &&
      (hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote);
    rd.mustSync = rd.entries.length > 0 || rd.hardStateSync;
    this.msgs = [];
    this.readStates = [];
    this.awaitingAdvance = true;
    return rd;
  }

  advance(rd: Ready): void {
    this.awaitingAdvance = false;
    if (rd.hardState) this.prevHardState = rd.hardState;
    const last = rd.entries[rd.entries.length - 1];
    if (last) {
      this.log.stableTo(last.index, last.term);
      // The leader's own write is durable now: it counts in its quorum from here (thesis §10.2.1).
      maybeCommit(this);
    }
    if (rd.snapshot && this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = null;
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied) this.log.appliedTo(applied.index);
  }

  status(): RaftStatus {
    const progress: RaftStatus['progress'] = {};
    for (const [id, pr] of this.progress)
      progress[id] = { match: pr.match, next: pr.next, state: pr.state, pendingSnapshot: pr.pendingSnapshot };
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      role: this.role,
      leader: this.leader,
      commitIndex: this.log.committed,
      appliedIndex: this.log.applied,
      lastLogIndex: this.log.lastIndex(),
      firstLogIndex: this.log.firstIndex(),
      voters: [...this.voters].sort(),
      progress,
    };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ---- role transitions ------------------------------------------------------------------------

  becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  becomePreCandidate(): void {
    // Pre-vote (thesis §9.6) neither bumps the term nor votes, so a partitioned node cannot disrupt the cluster.
    this.votes = new Map();
    this.role = 'preCandidate';
    this.leader = null;
  }

  becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    for (const id of this.voters) if (id !== this.id) this.progress.set(id, this.newProgress());
    // §8: a new leader commits a blank entry of its term to learn which entries are committed.
    this.appendEntries([
      { index: this.log.lastIndex() + 1, term: this.term, type: 'normal', data: new Uint8Array(0) },
    ]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  newProgress(): Progress {
    return new Progress(this.log.lastIndex() + 1, this.opts.maxInflight);
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.opts.electionTick + Math.floor(this.opts.random.next() * this.opts.electionTick);
    this.votes = new Map();
    this.progress = new Map();
    this.leadTransferee = null;
    this.reads.clear();
    this.deferredReads = [];
    this.broadcastPending = 'none';
    this.readHeartbeatPending = false;
  }

  promotable(): boolean {
    return this.voters.has(this.id) && this.log.pendingSnapshot === null;
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  send(m: Omit<Message, 'from'>): void {
    this.msgs.push({ ...m, from: this.id });
  }

  /** Advances the commit index and applies membership changes that became committed. */
  commitTo(index: number): boolean {
    const before = this.log.committed;
    if (!this.log.commitTo(index)) return false;
    this.confChangesCommitted(before + 1, this.log.committed);
    if (this.role === 'leader' && this.log.term(this.log.committed) === this.term) releaseDeferredReads(this);
    return true;
  }

  appendEntries(entries: Entry[]): void {
    this.log.append(entries);
    if (this.broadcastPending === 'none') this.broadcastPending = 'entries';
    maybeCommit(this);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private refuseProposal(): RaftError | null {
    if (this.role !== 'leader') return this.notLeader();
    if (this.leadTransferee !== null) {
      const msg = `leadership is moving to ${this.leadTransferee}; retry on the new leader`;
      return new RaftError('TRANSFER_IN_PROGRESS', msg, { leader: this.leadTransferee });
    }
    return null;
  }

  notLeader(): RaftError {
    const hint = this.leader ? `; the leader is ${this.leader}` : '; no leader is known yet';
    return new RaftError('NOT_LEADER', `replica ${this.id} is not the leader${hint}`, {
      leader: this.leader,
    });
  }

  private confChangesCommitted(lo: number, hi: number): void {
    if (hi < lo) return;
    for (const e of this.log.slice(lo, hi + 1) ?? [])
      if (e.type === 'confChange') onConfChangeCommitted(this, decodeConfChange(e.data));
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
