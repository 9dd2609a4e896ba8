// Message dispatch (term rules of Figure 2 and §5.1) and the logical clock of each role.
import { campaign, handleVoteRequest, pollVotes } from './election';
import type { Raft } from './raft';
import { leaderReadIndex } from './read-index';
import {
  bcastHeartbeat,
  handleAppendEntries,
  handleAppendResponse,
  handleHeartbeat,
  handleHeartbeatResponse,
  handleInstallSnapshot,
} from './replication';
import type { Message } from './types';

export function stepMessage(r: Raft, m: Message): void {
  if (m.term > r.term) {
    if (m.type === 'requestVote' || m.type === 'requestPreVote') {
      const inLease = r.opts.checkQuorum && r.leader !== null && r.electionElapsed < r.opts.electionTick;
      // Thesis §4.2.3: a server that heard from a leader within the minimum election timeout ignores candidates.
      if (inLease && m.context !== 'transfer') return;
    }
    // A pre-vote request or a granted pre-vote carries a future term that must not be adopted.
    const keepTerm = m.type === 'requestPreVote' || (m.type === 'requestPreVoteResponse' && !m.reject);
    if (!keepTerm) {
      // §5.1: a server that sees a larger term adopts it and reverts to follower.
      const fromLeader = m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'installSnapshot';
      const elapsed = r.electionElapsed;
      r.becomeFollower(m.term, fromLeader ? m.from : null);
      // Figure 2: only a leader's AppendEntries or a granted vote resets the election timer; a rejected
      // candidate must not keep a more up-to-date follower from ever timing out.
      if (m.type === 'requestVote' && r.role === 'follower') r.electionElapsed = elapsed;
    }
  } else if (m.term < r.term) {
    if ((r.opts.checkQuorum || r.opts.preVote) && (m.type === 'appendEntries' || m.type === 'heartbeat')) {
      // Tell a stale leader about the newer term so it steps down instead of being ignored forever.
      r.send({ type: 'appendEntriesResponse', to: m.from, term: r.term, index: 0 });
    } else if (m.type === 'requestPreVote') {
      r.send({ type: 'requestPreVoteResponse', to: m.from, term: r.term, reject: true });
    } else if (m.type === 'requestVote') {
      // Figure 2: reply false with currentTerm, so a candidate of a stale term learns the newer one. Without
      // it a candidate whose configuration names no server that sends it a newer term campaigns forever.
      r.send({ type: 'requestVoteResponse', to: m.from, term: r.term, reject: true });
    }
    // §5.1: a request with a stale term is rejected.
    return;
  }
  if (m.type === 'requestVote' || m.type === 'requestPreVote') return handleVoteRequest(r, m);
  if (r.role === 'leader') stepLeader(r, m);
  else if (r.role === 'follower') stepFollower(r, m);
  else stepCandidate(r, m);
}

function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendEntriesResponse':
      return handleAppendResponse(r, m);
    case 'heartbeatResponse':
      return handleHeartbeatResponse(r, m);
    case 'readIndex':
      return leaderReadIndex(r, m.context ?? '', m.from);
    default:
      return;
  }
}

function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appendEntries':
    case 'heartbeat':
    case 'installSnapshot':
      r.electionElapsed = 0;
      r.leader = m.from;
      return handleLeaderMessage(r, m);
    case 'timeoutNow':
      // Thesis §3.10: the transfer target starts an election at once, skipping pre-vote.
      if (r.promotable()) campaign(r, 'transfer');
      return;
    case 'readIndexResponse':
      r.readStates.push({ index: m.index ?? 0, context: m.context ?? '' });
      return;
    default:
      return;
  }
}

function stepCandidate(r: Raft, m: Message): void {
  const voteResponse = r.role === 'preCandidate' ? 'requestPreVoteResponse' : 'requestVoteResponse';
  if (m.type === 'appendEntries' || m.type === 'heartbeat' || m.type === 'installSnapshot') {
    // §5.2: a candidate that hears from a leader of at least its term returns to follower.
    r.becomeFollower(m.term, m.from);
    return handleLeaderMessage(r, m);
  }
  if (m.type !== voteResponse) return;
  r.votes.set(m.from, !m.reject);
  const outcome = pollVotes(r);
  if (outcome === 'won') {
    if (r.role === 'preCandidate') campaign(r, 'election');
    else r.becomeLeader();
  } else if (outcome === 'lost') {
    r.becomeFollower(r.term, null);
  }
}

function handleLeaderMessage(r: Raft, m: Message): void {
  if (m.type === 'appendEntries') handleAppendEntries(r, m);
  else if (m.type === 'heartbeat') handleHeartbeat(r, m);
  else handleInstallSnapshot(r, m);
}

/** §5.2: a follower or candidate that hears nothing for an election timeout starts an election. */
export function tickFollower(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    campaign(r, r.opts.preVote ? 'preElection' : 'election');
  }
}

export function tickLeader(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  for (const pr of r.progress.values()) {
    // A lost InstallSnapshot would pause this follower forever: after snapshotRetryTicks it is probed again.
    if (pr.state === 'snapshot' && ++pr.snapshotElapsed >= r.opts.snapshotRetryTicks) pr.becomeProbe();
  }
  if (r.electionElapsed >= r.opts.electionTick) {
    r.electionElapsed = 0;
    if (r.opts.checkQuorum) {
      // Thesis §6.2: a leader that has not heard from a majority for an election timeout steps down.
      const active = [...r.voters].filter((id) => id === r.id || r.progress.get(id)?.recentActive);
      if (active.length < r.quorum()) return r.becomeFollower(r.term, null);
      for (const pr of r.progress.values()) pr.recentActive = false;
    }
    // Thesis §3.10: a transfer that did not finish within an election timeout is abandoned.
    r.leadTransferee = null;
  }
  if (r.heartbeatElapsed >= r.opts.heartbeatTick) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r);
  }
}
