// When to compact, keeping a catch-up window (etcd's SnapshotCatchUpEntries): the state is captured at the
// applied index, but the log is only cut there once `catchUpEntries` more entries are applied, so a follower
// that lags by fewer entries than the window is caught up with appends, not a whole snapshot.

export interface CompactionPolicy {
  /** Applied entries past the last snapshot before a new state capture is taken. */
  snapshotEvery: number;
  /** Entries kept behind the applied index when the log is cut. */
  catchUpEntries: number;
}

export class CatchUpCompactor {
  private captured: { index: number; data: Uint8Array } | null = null;

  constructor(private readonly policy: CompactionPolicy) {
    if (!Number.isSafeInteger(policy.snapshotEvery) || policy.snapshotEvery < 1)
      throw new Error('snapshotEvery must be a positive integer');
    if (!Number.isSafeInteger(policy.catchUpEntries) || policy.catchUpEntries < 0)
      throw new Error('catchUpEntries must be a non-negative integer');
  }

  /**
   * Called after entries are applied. Captures the state (`capture()`, the state machine at `applied`) when
   * due, and returns a captured state the log may now be compacted at, or null.
   */
  afterApply(
    applied: number,
    snapshotIndex: number,
    capture: () => Uint8Array,
  ): { index: number; data: Uint8Array } | null {
    if (this.captured && this.captured.index <= snapshotIndex) this.captured = null;
    if (!this.captured && applied - snapshotIndex >= this.policy.snapshotEvery)
      this.captured = { index: applied, data: capture() };
    if (this.captured && applied - this.captured.index >= this.policy.catchUpEntries) {
      const due = this.captured;
      this.captured = null;
      return due;
    }
    return null;
  }

  /** Forgets a capture (after a snapshot from the leader replaced the state). */
  reset(): void {
    this.captured = null;
  }
}
