// A synchronous in-memory log store: the state behind MemoryReplicaLog, used directly by the simulator
// so that a crashed replica restarts from exactly what it had persisted.
import { RaftError } from '../raft/errors';
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types';

export class MemoryLogStore {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snapshot: Snapshot | null = null;
  /** entries[0].index === snapshotIndex() + 1 */
  private log: Entry[] = [];

  load(): PersistedState {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot, entries: [...this.log] };
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

  append(entries: Entry[]): void {
    const fresh = entries.filter((e) => e.index > this.snapshotIndex());
    if (fresh.length === 0) return;
    const first = fresh[0].index;
    for (let i = 1; i < fresh.length; i++) {
      if (fresh[i].index !== first + i) {
        throw new RaftError('LOG_GAP', `entries are not contiguous at index ${fresh[i].index}`, {
          index: fresh[i].index,
        });
      }
    }
    if (first > this.lastIndex() + 1) {
      throw new RaftError('LOG_GAP', `append at ${first} leaves a gap after last index ${this.lastIndex()}`, {
        index: first,
      });
    }
    this.log.length = first - this.firstIndex();
    for (const e of fresh) this.log.push(copyEntry(e));
  }

  saveHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  saveSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snapshotIndex()) return;
    if (this.term(index) === term) this.log = this.log.slice(index - this.snapshotIndex());
    else this.log = [];
    this.snapshot = {
      metadata: { ...snapshot.metadata, confState: { voters: [...snapshot.metadata.confState.voters] } },
      data: snapshot.data.slice(),
    };
    if (this.hardState.commit < index) this.hardState = { ...this.hardState, commit: index };
  }

  entries(from: number, toExclusive: number): Entry[] {
    if (from < this.firstIndex()) {
      throw new RaftError('COMPACTED', `entries before ${this.firstIndex()} are compacted (asked ${from})`, {
        index: from,
      });
    }
    if (toExclusive > this.lastIndex() + 1) {
      throw new RaftError(
        'UNAVAILABLE',
        `entries up to ${toExclusive - 1} asked, last index is ${this.lastIndex()}`,
        { index: toExclusive - 1 },
      );
    }
    return this.log
      .slice(from - this.firstIndex(), Math.max(0, toExclusive - this.firstIndex()))
      .map(copyEntry);
  }
}

function copyEntry(e: Entry): Entry {
  return { index: e.index, term: e.term, type: e.type, data: e.data.slice() };
}
