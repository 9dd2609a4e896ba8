// Log replication (§5.3), the commit rule (§5.4.2), heartbeats and snapshot installation (§7).
import type { Raft } from './raft';
import { answerRead } from './read-index';
import type { Message, NodeId } from './types';

/** Sends the next AppendEntries (or InstallSnapshot) to one follower; returns whether anything was sent. */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const hi = Math.min(r.log.lastIndex() + 1, pr.next + r.opts.maxEntriesPerMessage);
  const entries = limitSize(r.log.slice(pr.next, hi), r.opts.maxSizePerMsg);
  if (prevTerm === undefined || entries === undefined) {
    // §7: the entries this follower needs are compacted away, so it gets the snapshot instead.
    if (!r.latestSnapshot) return false;
    r.send({ type: 'installSnapshot', to, term: r.term, snapshot: r.latestSnapshot });
    pr.becomeSnapshot(r.latestSnapshot.metadata.index);
    return true;
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: 'appendEntries',
    to,
    term: r.term,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.log.committed,
  });
  if (entries.length > 0) pr.sentEntries(entries[entries.length - 1].index);
  else if (pr.state === 'probe') pr.probeSent = true;
  return true;
}

/** Keeps the longest prefix whose payloads fit in maxBytes, and always the first entry. */
export function limitSize<T extends { data: Uint8Array }>(
  entries: T[] | undefined,
  maxBytes: number,
): T[] | undefined {
  if (!entries) return entries;
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    bytes += entries[i].data.length;
    if (bytes > maxBytes && i > 0) return entries.slice(0, i);
  }
  return entries;
}

/** In replicate state keeps sending batches until the follower is caught up or the inflight window is full. */
function sendPipelined(r: Raft, to: NodeId, sendIfEmpty: boolean): void {
  let sent = false;
  for (;;) {
    const pr = r.progress.get(to);
    if (!pr || pr.next > r.log.lastIndex() || !sendAppend(r, to, false)) break;
    sent = true;
    if (pr.state !== 'replicate') break;
  }
  if (!sent && sendIfEmpty) sendAppend(r, to, true);
}

export function bcastAppend(r: Raft, sendIfEmpty: boolean): void {
  for (const to of [...r.progress.keys()].sort()) sendPipelined(r, to, sendIfEmpty);
}

export function bcastHeartbeat(r: Raft, context?: string): void {
  const ctx = context ?? r.reads.lastContext();
  // This round carries the latest read context: the reads queued so far need no round of their own.
  if (context === undefined) r.readHeartbeatPending = false;
  for (const [to, pr] of [...r.progress.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // A follower may only commit what it is known to hold, hence min(match, commit).
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: 'heartbeat', to, term: r.term, commit, context: ctx });
  }
}

/**
 * §5.4.2 / Figure 8: the leader commits an index replicated on a majority only if its entry is from the
 * current term; earlier entries then commit indirectly (Log Matching).
 *
 * Thesis §10.2.1: the leader sends its new entries before (while) it writes them, so it counts itself only up
 * to what its host reported durable (`stableIndex`, advanced by advance()), like any follower's ack.
 *
 * A new commit index goes to every follower at the next Ready: with the new entries under load, in an
 * empty AppendEntries otherwise (a joining replica and the membership admin rely on learning it at once).
 */
export function maybeCommit(r: Raft): boolean {
  if (r.role !== 'leader') return false;
  const matches = [...r.voters].map((id) =>
    id === r.id ? r.log.stableIndex : (r.progress.get(id)?.match ?? 0),
  );
  if (matches.length === 0) return false;
  matches.sort((a, b) => b - a);
  const candidate = matches[r.quorum() - 1];
  if (candidate <= r.log.committed) return false;
  if (r.log.term(candidate) !== r.term && r.opts.testingBugs?.commitRule !== true) return false;
  if (!r.commitTo(candidate)) return false;
  r.broadcastPending = 'all';
  return true;
}

export function handleAppendResponse(r: Raft, m: Message): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  const index = m.index ?? 0;
  if (m.reject) {
    let hint = m.rejectHint ?? index - 1;
    // Fast back-off: skip every leader entry whose term exceeds the follower's term at the hint.
    if (m.logTerm !== undefined && m.logTerm > 0) hint = r.log.findConflictByTerm(hint, m.logTerm);
    if (pr.maybeDecrTo(index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(index)) {
    if (wasPaused && !pr.isPaused()) sendPipelined(r, m.from, false);
    return;
  }
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
  maybeCommit(r);
  sendPipelined(r, m.from, false);
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send({ type: 'timeoutNow', to: m.from, term: r.term });
  }
}

export function handleHeartbeatResponse(r: Raft, m: Message): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.probeSent = false;
  // A snapshot in flight is not sent again on every heartbeat: the follower stays paused until it answers,
  // the host reports the send, or snapshotRetryTicks pass (tickLeader).
  // A live follower with a full window has lost some appends; free one slot so a rejection can reset it.
  if (pr.state === 'replicate' && pr.isPaused()) pr.inflight.shift();
  if (pr.match < r.log.lastIndex()) sendPipelined(r, m.from, true);
  if (m.context) {
    const released = r.reads.recvAck(
      m.from,
      m.context,
      (acks) => [...acks].filter((id) => r.voters.has(id)).length >= r.quorum(),
    );
    for (const req of released) answerRead(r, req.context, req.index, req.from);
  }
}

/** AppendEntries receiver (Figure 2). */
export function handleAppendEntries(r: Raft, m: Message): void {
  const prevIndex = m.index ?? 0;
  if (prevIndex < r.log.committed) {
    r.send({ type: 'appendEntriesResponse', to: m.from, term: r.term, index: r.log.committed });
    return;
  }
  const entries = m.entries ?? [];
  const lastNew = r.log.maybeAppend(prevIndex, m.logTerm ?? 0, entries);
  if (lastNew !== null) {
    r.commitTo(Math.min(m.commit ?? 0, lastNew));
    r.send({ type: 'appendEntriesResponse', to: m.from, term: r.term, index: lastNew });
    return;
  }
  // Reply false if the log has no entry at prevLogIndex matching prevLogTerm, with a hint for fast back-off.
  const hintIndex = r.log.findConflictByTerm(Math.min(prevIndex, r.log.lastIndex()), m.logTerm ?? 0);
  const hintTerm = r.log.term(hintIndex) ?? 0;
  r.send({
    type: 'appendEntriesResponse',
    to: m.from,
    term: r.term,
    index: prevIndex,
    reject: true,
    rejectHint: hintIndex,
    logTerm: hintTerm,
  });
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.commitTo(m.commit ?? 0);
  r.send({ type: 'heartbeatResponse', to: m.from, term: r.term, context: m.context });
}

/** InstallSnapshot receiver (Figure 13). */
export function handleInstallSnapshot(r: Raft, m: Message): void {
  const snapshot = m.snapshot;
  if (!snapshot) return;
  const { index, term } = snapshot.metadata;
  if (index <= r.log.committed) {
    r.send({ type: 'appendEntriesResponse', to: m.from, term: r.term, index: r.log.committed });
    return;
  }
  if (r.log.matchTerm(index, term)) {
    // Figure 13 step 6: the log already holds the snapshot's last entry, so keep the entries after it.
    r.commitTo(index);
  } else {
    r.log.restore(snapshot);
    r.latestSnapshot = snapshot;
    r.voters = new Set(snapshot.metadata.confState.voters);
    r.confHistory = [{ index, voters: [...snapshot.metadata.confState.voters] }];
  }
  r.send({ type: 'appendEntriesResponse', to: m.from, term: r.term, index: r.log.committed });
}
