// The memory adapter of the ReplicaLog port, for unit tests and the simulator.
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types';
import { MemoryLogStore } from './memory-log-store';
import type { ReadyWrite, ReplicaLog } from './replica-log';

export class MemoryReplicaLog implements ReplicaLog {
  private closed = false;

  /** Pass an existing store to "reopen" the same persisted state, as after a restart. */
  constructor(readonly store: MemoryLogStore = new MemoryLogStore()) {}

  async load(): Promise<PersistedState> {
    this.assertOpen();
    return this.store.load();
  }

  async append(entries: Entry[]): Promise<void> {
    this.assertOpen();
    this.store.append(entries);
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.assertOpen();
    this.store.saveHardState(hardState);
  }

  async persist(write: ReadyWrite, _options: { sync: boolean }): Promise<void> {
    this.assertOpen();
    if (write.entries.length > 0) this.store.append(write.entries);
    if (write.hardState) this.store.saveHardState(write.hardState);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.assertOpen();
    this.store.saveSnapshot(snapshot);
  }

  async entries(from: number, toExclusive: number): Promise<Entry[]> {
    this.assertOpen();
    return this.store.entries(from, toExclusive);
  }

  async firstIndex(): Promise<number> {
    return this.store.firstIndex();
  }

  async lastIndex(): Promise<number> {
    return this.store.lastIndex();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryReplicaLog is closed');
  }
}
