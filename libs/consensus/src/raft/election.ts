// Leader election (§5.2, §5.4.1) with pre-vote (thesis §9.6) and transfer-triggered elections (thesis §3.10).
import type { Raft } from './raft';
import type { Message } from './types';

export type CampaignKind = 'preElection' | 'election' | 'transfer';

export function campaign(r: Raft, kind: CampaignKind): void {
  if (!r.promotable()) return;
  let term: number;
  let type: Message['type'];
  if (kind === 'preElection') {
    r.becomePreCandidate();
    term = r.term + 1;
    type = 'requestPreVote';
  } else {
    r.becomeCandidate();
    term = r.term;
    type = 'requestVote';
  }
  r.votes.set(r.id, true);
  if (pollVotes(r) === 'won') {
    if (kind === 'preElection') return campaign(r, 'election');
    return r.becomeLeader();
  }
  const context = kind === 'transfer' ? 'transfer' : undefined;
  for (const to of [...r.voters].sort()) {
    if (to === r.id) continue;
    r.send({ type, to, term, index: r.log.lastIndex(), logTerm: r.log.lastTerm(), context });
  }
}

export function pollVotes(r: Raft): 'won' | 'lost' | 'pending' {
  let granted = 0;
  let rejected = 0;
  for (const id of r.voters) {
    const v = r.votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  if (granted >= r.quorum()) return 'won';
  if (rejected > r.voters.size - r.quorum()) return 'lost';
  return 'pending';
}

/** RequestVote receiver (Figure 2) for both real votes and pre-votes. */
export function handleVoteRequest(r: Raft, m: Message): void {
  const pre = m.type === 'requestPreVote';
  const responseType = pre ? 'requestPreVoteResponse' : 'requestVoteResponse';
  // §5.2: at most one vote per term, first-come-first-served; a pre-vote for a later term binds nothing.
  const canVote = r.vote === m.from || (r.vote === null && r.leader === null) || (pre && m.term > r.term);
  // §5.4.1: only vote for a candidate whose log is at least as up-to-date as ours.
  const upToDate = r.opts.testingBugs?.voteRule === true || r.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0);
  if (canVote && upToDate) {
    // A granted pre-vote answers with the candidate's future term so the candidate does not drop it as stale.
    r.send({ type: responseType, to: m.from, term: m.term, reject: false });
    if (!pre) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: responseType, to: m.from, term: r.term, reject: true });
  }
}
