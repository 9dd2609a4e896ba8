// The ReplicaLog port: where one replica keeps its Raft log, hard state and latest snapshot.
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types';

/** One Ready's write: new entries (replacing any conflicting suffix) and the hard state, in one write. */
export interface ReadyWrite {
  entries: Entry[];
  hardState?: HardState;
}

/**
 * Every write is durable when its promise resolves (the replica answers peers only afterwards), except a
 * `persist` with `sync: false`, which is written (it survives the process being killed) but not flushed to
 * the device: the Raft core asks for that only when nothing durable changed (a new commit index alone).
 * Indexes: firstIndex() = snapshot index + 1; lastIndex() = last entry index, or the snapshot index when empty.
 */
export interface ReplicaLog {
  /** Everything needed to restart the replica: hard state, latest snapshot and the entries after it. */
  load(): Promise<PersistedState>;
  /** Appends contiguous entries; an existing suffix from entries[0].index on is replaced (conflict truncation). */
  append(entries: Entry[]): Promise<void>;
  saveHardState(hardState: HardState): Promise<void>;
  /** Entries then hard state as one write and at most one flush (sync); what one Ready hands to storage. */
  persist(write: ReadyWrite, options: { sync: boolean }): Promise<void>;
  /** Stores a snapshot and discards the entries it covers (all entries if they do not match it). */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /** Entries in [from, toExclusive); throws RaftError COMPACTED / UNAVAILABLE outside the stored range. */
  entries(from: number, toExclusive: number): Promise<Entry[]>;
  firstIndex(): Promise<number>;
  lastIndex(): Promise<number>;
  close(): Promise<void>;
}
