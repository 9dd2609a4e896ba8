// The leader's view of one follower (etcd's Progress): how much of the log it holds and how to send more.

/**
 * probe: one AppendEntries at a time until the match point is found;
 * replicate: optimistic pipelining, up to maxInflight messages in flight;
 * snapshot: an InstallSnapshot is in flight, appends are paused.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append was sent and no answer arrived since. */
  probeSent = false;
  /** Last index of each AppendEntries in flight, oldest first (replicate state). */
  inflight: number[] = [];
  pendingSnapshot = 0;
  /** Leader ticks since the snapshot in flight was sent (snapshot state). */
  snapshotElapsed = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
  }

  isPaused(): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'snapshot') return true;
    return this.inflight.length >= this.maxInflight;
  }

  becomeProbe(): void {
    const next =
      this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset('probe');
    this.next = next;
  }

  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotElapsed = 0;
    this.inflight = [];
  }

  /** Records an acknowledged index; returns false when the ack is stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && this.inflight[0] <= index) this.inflight.shift();
    return updated;
  }

  /** Records an optimistic send in replicate state. */
  sentEntries(lastIndex: number): void {
    if (this.state === 'replicate') {
      this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /**
   * A rejection of prevLogIndex = rejected; hint is the leader's guess of the follower's match point.
   * Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }
}
