// Value types of the Raft core: entries, persistent state, snapshots, messages and the Ready batch.

export type NodeId = string;

/** A normal entry carries application data (empty data is the leader's no-op); a confChange entry carries a ConfChange. */
export type EntryType = 'normal' | 'confChange';

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: Uint8Array;
}

/** The state a replica must persist before it answers a peer (paper Figure 2, "persistent state"). */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

export interface ConfState {
  voters: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

/** Single-server membership change (thesis §4.1): one voter added or removed per committed entry. */
export interface ConfChange {
  type: 'addNode' | 'removeNode';
  nodeId: NodeId;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export type MessageType =
  | 'appendEntries'
  | 'appendEntriesResponse'
  | 'requestVote'
  | 'requestVoteResponse'
  | 'requestPreVote'
  | 'requestPreVoteResponse'
  | 'heartbeat'
  | 'heartbeatResponse'
  | 'installSnapshot'
  | 'timeoutNow'
  | 'readIndex'
  | 'readIndexResponse';

/**
 * One flat message shape, like etcd's raftpb.Message. Field meaning by type:
 * - appendEntries: index/logTerm = prevLogIndex/prevLogTerm, entries, commit = leaderCommit.
 * - appendEntriesResponse: index = last matching index (success) or the rejected prevLogIndex;
 *   rejectHint/logTerm = conflict hint (index and term of the follower's best guess).
 * - requestVote / requestPreVote: index/logTerm = candidate's lastLogIndex/lastLogTerm;
 *   context 'transfer' marks an election started by TimeoutNow.
 * - heartbeat: commit = min(follower match, leaderCommit); context = pending ReadIndex context.
 * - installSnapshot: snapshot.
 * - readIndex / readIndexResponse: context and (response) index.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  index?: number;
  logTerm?: number;
  commit?: number;
  entries?: Entry[];
  reject?: boolean;
  rejectHint?: number;
  snapshot?: Snapshot;
  context?: string;
}

export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

/** A linearizable read point: once appliedIndex >= index, reading the state machine is linearizable. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * What the host must do, in this order: persist hardState, snapshot and entries (durably);
 * send messages; restore the snapshot into the state machine; apply committedEntries;
 * serve readStates once applied; then call advance(ready).
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /**
   * True when entries, term or vote changed, i.e. the write must be durable (fsync) before the messages that
   * depend on it go out. A Ready whose only change is the commit index needs no sync: a lost commit index is
   * learnt again from the leader.
   */
  mustSync: boolean;
  /** True when term or vote changed: nothing may be sent before the hard state is durable. */
  hardStateSync: boolean;
}

/** Persisted state a replica restarts from (what ReplicaLog.load returns). */
export interface PersistedState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/** Seeded source of randomness; the core never calls Math.random. */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** Deliberate bugs used to prove the simulator catches safety violations. Never enable in production. */
export interface TestingBugs {
  /** Commit entries of previous terms by counting replicas (violates §5.4.2 / Figure 8). */
  commitRule?: boolean;
  /** Grant votes without the candidate-log-up-to-date check (violates §5.4.1). */
  voteRule?: boolean;
  /** Serve ReadIndex before the leader has committed an entry of its term (violates thesis §6.4 step 1). */
  readIndexNoNoopWait?: boolean;
  /** Serve ReadIndex without a heartbeat round acknowledged by a majority (violates thesis §6.4 step 3). */
  readIndexNoQuorum?: boolean;
}

export interface RaftConfig {
  id: NodeId;
  /**
   * Voters at the start of the log, used when the persisted state has no snapshot. A replica joining a running
   * cluster passes the configuration it joins; it becomes a voter once its addNode entry commits.
   */
  voters: NodeId[];
  /** Ticks a follower waits before campaigning; the actual timeout is random in [electionTick, 2*electionTick). */
  electionTick: number;
  heartbeatTick: number;
  random: RandomSource;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Maximum AppendEntries messages in flight to one follower in replicate state (pipelining). */
  maxInflight?: number;
  /** Maximum entries in one AppendEntries message (batching). */
  maxEntriesPerMessage?: number;
  /**
   * Maximum entry payload bytes in one AppendEntries (etcd's MaxSizePerMsg); a single larger entry still goes
   * alone. Default 1 MiB.
   */
  maxSizePerMsg?: number;
  /**
   * Leader ticks a follower stays in snapshot state after an InstallSnapshot was sent without an answer
   * before the leader probes it again (and sends the snapshot anew). Default 10 election timeouts.
   */
  snapshotRetryTicks?: number;
  /** Maximum committed entries handed out in one Ready. */
  maxCommittedPerReady?: number;
  testingBugs?: TestingBugs;
}

/** A replica's view of itself and, on a leader, of each follower's progress. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId | null;
  role: Role;
  leader: NodeId | null;
  commitIndex: number;
  appliedIndex: number;
  lastLogIndex: number;
  firstLogIndex: number;
  voters: NodeId[];
  progress: Record<NodeId, { match: number; next: number; state: string; pendingSnapshot: number }>;
}
