// Pending ReadIndex requests on the leader (thesis §6.4): each waits for a heartbeat round acknowledged
// by a majority, which proves the leader was still leader when the read arrived.
import type { Raft } from './raft';
import type { NodeId } from './types';

export interface ReadRequest {
  context: string;
  /** The commit index when the request arrived: the read point. */
  index: number;
  /** Who asked: the leader itself or a follower that forwarded the read. */
  from: NodeId;
  acks: Set<NodeId>;
}

export class ReadIndexQueue {
  private requests: ReadRequest[] = [];

  add(context: string, index: number, from: NodeId, self: NodeId): void {
    if (this.requests.some((r) => r.context === context)) return;
    this.requests.push({ context, index, from, acks: new Set([self]) });
  }

  /** Records a heartbeat ack; returns the requests it releases (every request up to the acknowledged one). */
  recvAck(from: NodeId, context: string, isQuorum: (acks: Set<NodeId>) => boolean): ReadRequest[] {
    const at = this.requests.findIndex((r) => r.context === context);
    if (at < 0) return [];
    const request = this.requests[at];
    request.acks.add(from);
    if (!isQuorum(request.acks)) return [];
    return this.requests.splice(0, at + 1);
  }

  lastContext(): string | undefined {
    return this.requests[this.requests.length - 1]?.context;
  }

  size(): number {
    return this.requests.length;
  }

  clear(): void {
    this.requests = [];
  }
}

/** Thesis §6.4: record the commit index as the read point, then confirm leadership with a heartbeat round. */
export function leaderReadIndex(r: Raft, context: string, from: NodeId): void {
  // Step 1: until the leader commits an entry of its term it does not know the latest commit index.
  const bugs = r.opts.testingBugs;
  if (r.log.term(r.log.committed) !== r.term && bugs?.readIndexNoNoopWait !== true) {
    r.deferredReads.push({ context, from });
    return;
  }
  if (r.voters.size === 1 || bugs?.readIndexNoQuorum === true)
    return answerRead(r, context, r.log.committed, from);
  r.reads.add(context, r.log.committed, from, r.id);
  // One heartbeat round serves every read queued until the next Ready: it carries the latest context, and
  // a majority's ack of it releases the reads before it too.
  r.readHeartbeatPending = true;
}

export function answerRead(r: Raft, context: string, index: number, from: NodeId): void {
  if (from === r.id) r.readStates.push({ index, context });
  else r.send({ type: 'readIndexResponse', to: from, term: r.term, index, context });
}

export function releaseDeferredReads(r: Raft): void {
  const deferred = r.deferredReads;
  r.deferredReads = [];
  for (const d of deferred) leaderReadIndex(r, d.context, d.from);
}
