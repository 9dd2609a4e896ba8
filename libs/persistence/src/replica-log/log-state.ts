// The in-memory index of a FileReplicaLog: what the file holds once replayed, kept so reads never touch disk.
import type { Entry, HardState, PersistedState, Snapshot } from '@ossa/consensus';
import { checkRange, copyEntry } from './log-rules';

/** Bytes one entry takes inside an entries record (term, type, data length, data). */
export const ENTRY_OVERHEAD = 8 + 1 + 4;

export class LogState {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  /** log[0].index === snapshotIndex() + 1 */
  private log: Entry[] = [];
  /** Encoded size of the live entries, to tell when the file is mostly dead records. */
  liveEntryBytes = 0;

  snapshotIndex(): number {
    return this.snapshot?.metadata.index ?? 0;
  }

  firstIndex(): number {
    return this.snapshotIndex() + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex() + this.log.length;
  }

  term(index: number): number | undefined {
    if (index === this.snapshotIndex()) return this.snapshot?.metadata.term ?? 0;
    return this.log[index - this.firstIndex()]?.term;
  }

  /** Drops entries from index on; a no-op when index is past the end. */
  truncateFrom(index: number): void {
    const keep = Math.max(0, index - this.firstIndex());
    for (let i = keep; i < this.log.length; i++) this.liveEntryBytes -= entrySize(this.log[i]);
    if (keep < this.log.length) this.log.length = keep;
  }

  /** Appends entries that start exactly at lastIndex() + 1 (callers truncate first). */
  appendContiguous(entries: Entry[]): void {
    for (const e of entries) {
      this.log.push(copyEntry(e));
      this.liveEntryBytes += entrySize(e);
    }
  }

  /** Installs a snapshot: keeps the entries after it when the log matches it at its index, else none. */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snapshotIndex()) return;
    const kept = this.term(index) === term ? this.log.slice(index - this.snapshotIndex()) : [];
    this.log = kept;
    this.liveEntryBytes = kept.reduce((sum, e) => sum + entrySize(e), 0);
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

  /** The live entries themselves, not copies; for rewriting the file. */
  liveEntries(): readonly Entry[] {
    return this.log;
  }

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
}

export function entrySize(e: Entry): number {
  return ENTRY_OVERHEAD + e.data.length;
}
