// Public API of @ossa/consensus: the pure Raft core, the coordination ledger, the ReplicaLog port and
// its memory adapter, and the deterministic simulator.
export { Raft } from './raft/raft';
export { RawNode } from './raft/raw-node';
export { planReady, type DurableLog, type ReadyStep } from './raft/ready-plan';
export { RaftError, type RaftErrorCode, type Result } from './raft/errors';
export type {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  NodeId,
  PersistedState,
  RaftConfig,
  RaftStatus,
  RandomSource,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotMetadata,
  SoftState,
  TestingBugs,
} from './raft/types';
export { decodeConfChange, encodeConfChange } from './raft/membership';
export {
  MESSAGE_TYPE_LIST,
  checkPeerMessage,
  PEER_DROP_REASONS,
  type PeerCheck,
  type PeerCheckContext,
  type PeerDropReason,
} from './raft/peer-message';
export { CatchUpCompactor, type CompactionPolicy } from './raft/compaction';

export { Ledger, decodeCommand, encodeCommand, type LedgerOptions } from './ledger/ledger';
export type { LedgerCommand, LedgerOp, LedgerResult } from './ledger/types';

export type { ReadyWrite, ReplicaLog } from './storage/replica-log';
export { MemoryReplicaLog } from './storage/memory-replica-log';
export { MemoryLogStore } from './storage/memory-log-store';
export { checkRange, copyEntry, freshEntries } from './storage/log-rules';
export { describeReplicaLogConformance, type ReplicaLogHarness } from './storage/replica-log.conformance';

export { Prng } from './sim/prng';
export { runSimulation } from './sim/simulator';
export { checkLinearizable, type KvOperation } from './sim/linearizability';
export type { SimOptions, SimResult, SimStats } from './sim/types';
