// The replica's view of its log: a compacted prefix (snapshot), retained entries, and how far they are
// committed, applied and persisted. Entries after `stableIndex` are not yet durable and go out in the next Ready.
import type { Entry, Snapshot } from './types';

export class RaftLog {
  /** Index and term of the last entry folded into the snapshot. */
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[0].index === snapshotIndex + 1 */
  private entries: Entry[];
  committed: number;
  applied: number;
  /** Last index known to be persisted by the host. */
  stableIndex: number;
  /** A snapshot received from the leader that the host has not persisted yet. */
  pendingSnapshot: Snapshot | null = null;

  constructor(snapshot: Snapshot | null, entries: Entry[], commit: number) {
    this.snapshotIndex = snapshot?.metadata.index ?? 0;
    this.snapshotTerm = snapshot?.metadata.term ?? 0;
    this.entries = entries.filter((e) => e.index > this.snapshotIndex);
    this.stableIndex = this.lastIndex();
    // A hard state written ahead of its entries (a crash between two writes) must not commit past the log.
    this.committed = Math.max(Math.min(commit, this.lastIndex()), this.snapshotIndex);
    this.applied = this.snapshotIndex;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of the entry at index, or undefined when it is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a log is more up-to-date if its last term is later, or the same term and it is at least as long. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi); undefined when lo is compacted. */
  slice(lo: number, hi: number): Entry[] | undefined {
    if (lo <= this.snapshotIndex) return undefined;
    const from = lo - this.snapshotIndex - 1;
    return this.entries.slice(from, Math.max(from, hi - this.snapshotIndex - 1));
  }

  entryAt(index: number): Entry | undefined {
    return this.slice(index, index + 1)?.[0];
  }

  /** Told of every append (after truncating from entries[0].index), so the configuration follows the log. */
  onAppend: ((entries: Entry[]) => void) | null = null;

  /** Appends after truncating any conflicting suffix; returns the new last index. */
  append(entries: Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const first = entries[0].index;
    const keep = first - this.snapshotIndex - 1;
    if (keep < this.entries.length) this.entries.length = Math.max(keep, 0);
    if (first - 1 < this.stableIndex) this.stableIndex = first - 1;
    for (const e of entries) this.entries.push(e);
    this.onAppend?.(entries);
    return this.lastIndex();
  }

  /**
   * AppendEntries receiver steps 2–5 (Figure 2): when the log holds prevIndex/prevTerm, drop entries the log
   * already has, truncate at the first conflict and append the rest. Returns the last new index, or null.
   * The caller advances the commit index (step 5) so membership changes apply on commit.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict > 0) {
      if (conflict <= this.committed)
        throw new Error(`conflict at ${conflict} is within committed ${this.committed}`);
      this.append(entries.slice(conflict - prevIndex - 1));
    }
    return lastNew;
  }

  /** First index whose entry is missing or has a different term; 0 when the log already holds all of them. */
  private findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (e.index <= this.snapshotIndex) continue;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** Largest index <= index whose term is <= term (the fast back-off hint); snapshotIndex at the lowest. */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshotIndex) {
      const t = this.term(i);
      if (t !== undefined && t <= term) break;
      i--;
    }
    return i;
  }

  commitTo(index: number): boolean {
    const target = Math.min(index, this.lastIndex());
    if (target <= this.committed) return false;
    this.committed = target;
    return true;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableIndex - this.snapshotIndex);
  }

  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  /** Committed entries not yet handed to the host, capped at max. */
  nextCommittedEntries(max: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = Math.min(this.committed, lo + max - 1);
    return hi >= lo ? (this.slice(lo, hi + 1) ?? []) : [];
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > this.applied;
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = Math.min(index, this.committed);
  }

  /** Replaces the whole log with a snapshot received from the leader (§7). */
  restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    this.entries = [];
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.committed = index;
    this.applied = index;
    this.stableIndex = index;
    this.pendingSnapshot = snapshot;
  }

  /** Drops entries up to index (which must be applied) after the host took a snapshot there. */
  compact(index: number): void {
    const term = this.term(index);
    if (term === undefined || index <= this.snapshotIndex) return;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }
}
