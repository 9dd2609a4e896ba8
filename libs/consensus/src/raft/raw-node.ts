// The host's face of the Raft core (etcd's RawNode): inputs, the Ready batch and read-only queries, all
// methods; the state machine's fields stay private. The simulator and the replica service both drive it.
import type { Result } from './errors';
import { Raft } from './raft';
import type {
  ConfChange,
  Message,
  NodeId,
  PersistedState,
  RaftConfig,
  RaftStatus,
  Ready,
  Role,
  Snapshot,
} from './types';

export class RawNode {
  readonly #raft: Raft;

  constructor(config: RaftConfig, persisted?: PersistedState) {
    this.#raft = new Raft(config, persisted);
  }

  // ---- inputs ----
  tick(): void {
    this.#raft.tick();
  }

  campaign(): void {
    this.#raft.campaign();
  }

  /** Steps a message that already passed checkPeerMessage (or comes from a trusted in-process peer). */
  step(m: Message): void {
    this.#raft.step(m);
  }

  propose(data: Uint8Array): Result<{ index: number; term: number }> {
    return this.#raft.propose(data);
  }

  proposeBatch(data: Uint8Array[]): Result<{ firstIndex: number; lastIndex: number; term: number }> {
    return this.#raft.proposeBatch(data);
  }

  /** Adds or removes one voter (thesis §4.1); the change is in force once in the log. */
  proposeConfChange(cc: ConfChange): Result<{ index: number; term: number }> {
    return this.#raft.proposeConfChange(cc);
  }

  readIndex(context: string): Result<void> {
    return this.#raft.readIndex(context);
  }

  transferLeadership(to: NodeId): Result<void> {
    return this.#raft.transferLeadership(to);
  }

  compact(index: number, data: Uint8Array): Result<Snapshot> {
    return this.#raft.compact(index, data);
  }

  reportSnapshot(to: NodeId, failed: boolean): void {
    this.#raft.reportSnapshot(to, failed);
  }

  // ---- the Ready contract ----
  hasReady(): boolean {
    return this.#raft.hasReady();
  }

  ready(): Ready {
    return this.#raft.ready();
  }

  advance(rd: Ready): void {
    this.#raft.advance(rd);
  }

  // ---- queries ----
  status(): RaftStatus {
    return this.#raft.status();
  }

  get id(): NodeId {
    return this.#raft.id;
  }

  term(): number {
    return this.#raft.term;
  }

  role(): Role {
    return this.#raft.role;
  }

  leader(): NodeId | null {
    return this.#raft.leader;
  }

  isVoter(id: NodeId): boolean {
    return this.#raft.voters.has(id);
  }

  /** The voter leadership is being handed to, while this leader transfers it (thesis §3.10); null otherwise. */
  leadTransferee(): NodeId | null {
    return this.#raft.leadTransferee;
  }

  /** Index of the entry (or snapshot) that introduced the configuration in force; above commitIndex while a change is pending. */
  configIndex(): number {
    const history = this.#raft.confHistory;
    return history[history.length - 1].index;
  }

  commitIndex(): number {
    return this.#raft.log.committed;
  }

  appliedIndex(): number {
    return this.#raft.log.applied;
  }

  snapshotIndex(): number {
    return this.#raft.log.snapshotIndex;
  }

  lastIndex(): number {
    return this.#raft.log.lastIndex();
  }

  /** Term of the entry at index (the snapshot's last included entry too), or undefined. */
  logTerm(index: number): number | undefined {
    return this.#raft.log.term(index);
  }
}
