// A synchronous in-memory log store: the state behind MemoryReplicaLog, used directly by the simulator
// so that a crashed replica restarts from exactly what it had persisted, and the index the file adapter
// keeps of its file (libs/persistence LogState builds on it).
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types';
import { checkRange, copyEntry, freshEntries } from './log-rules';

export class MemoryLogStore {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  /** log[0].index === snapshotIndex() + 1 */
  protected log: Entry[] = [];

  /** Copies of everything held, as a restarted replica reads it. */
  load(): PersistedState {
    const snapshot = this.snapshot && {
      metadata: {
        ...this.snapshot.metadata,
        confState: { voters: [...this.snapshot.metadata.confState.voters] },
      },
      data: this.snapshot.data.slice(),
    };
    return { hardState: { ...this.hardState }, snapshot, entries: this.log.map(copyEntry) };
  }

  snapshotIndex(): number {
    return this.snapshot?.metadata.index ?? 0;
  }

  firstIndex(): number {
    return this.snapshotIndex() + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex() + this.log.length;
  }

  /** Term at index, including the snapshot's last index; undefined when unknown. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex()) return this.snapshot?.metadata.term ?? 0;
    return this.log[index - this.firstIndex()]?.term;
  }

  /** Stores entries, replacing the suffix they overlap; entries covered by the snapshot are skipped. */
  append(entries: Entry[]): void {
    const fresh = freshEntries(entries, this.snapshotIndex(), this.lastIndex());
    if (fresh.length === 0) return;
    this.truncateFrom(fresh[0].index);
    this.appendContiguous(fresh);
  }

  /** Drops entries from index on; a no-op when index is past the end. */
  truncateFrom(index: number): void {
    const keep = Math.max(0, index - this.firstIndex());
    if (keep < this.log.length) this.log.length = keep;
  }

  /** Appends entries that start exactly at lastIndex() + 1 (callers truncate first). */
  appendContiguous(entries: readonly Entry[]): void {
    for (const e of entries) this.log.push(copyEntry(e));
  }

  saveHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  /** Installs a snapshot: keeps the entries after it when the log matches it at its index, else none. */
  saveSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snapshotIndex()) return;
    this.log = this.term(index) === term ? this.log.slice(index - this.snapshotIndex()) : [];
    this.snapshot = {
      metadata: { ...snapshot.metadata, confState: { voters: [...snapshot.metadata.confState.voters] } },
      data: snapshot.data.slice(),
    };
    if (this.hardState.commit < index) this.hardState = { ...this.hardState, commit: index };
  }

  entries(from: number, toExclusive: number): Entry[] {
    checkRange(from, toExclusive, this.firstIndex(), this.lastIndex());
    return this.log
      .slice(from - this.firstIndex(), Math.max(0, toExclusive - this.firstIndex()))
      .map(copyEntry);
  }
}
