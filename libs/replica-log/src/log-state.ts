// The in-memory index of a FileReplicaLog: what the file holds once replayed, kept so reads never touch disk.
// The core's MemoryLogStore plus the encoded size of the live entries, to tell when the file is mostly dead
// records and worth rewriting.
import { MemoryLogStore, type Entry, type Snapshot } from '@ossa/consensus';

/** Bytes one entry takes inside an entries record (term, type, data length, data). */
export const ENTRY_OVERHEAD = 8 + 1 + 4;

export class LogState extends MemoryLogStore {
  /** Encoded size of the live entries. */
  liveEntryBytes = 0;

  override truncateFrom(index: number): void {
    for (let i = Math.max(0, index - this.firstIndex()); i < this.log.length; i++) this.liveEntryBytes -= entrySize(this.log[i]);
    super.truncateFrom(index);
  }

  override appendContiguous(entries: readonly Entry[]): void {
    for (const e of entries) this.liveEntryBytes += entrySize(e);
    super.appendContiguous(entries);
  }

  override saveSnapshot(snapshot: Snapshot): void {
    super.saveSnapshot(snapshot);
    this.liveEntryBytes = this.log.reduce((sum, e) => sum + entrySize(e), 0);
  }

  /** The live entries themselves, not copies; for rewriting the file. */
  liveEntries(): readonly Entry[] {
    return this.log;
  }
}

export function entrySize(e: Entry): number {
  return ENTRY_OVERHEAD + e.data.length;
}
