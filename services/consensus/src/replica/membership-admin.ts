// Membership change and leadership transfer on a running replica (thesis §4.1–§4.2.3, §3.10), run on the leader.
import type { LeaderTransferReply, MembershipChangeReply } from '@ossa/contracts';
import type { RawNode } from '@ossa/consensus';
import type { ReplicaNode } from './replica-node';

/** Voters a leader fans every append and heartbeat out to; past this, adding more is refused. */
export const MAX_VOTERS = 15;

/**
 * NOT_LEADER: ask the leader (its id in `leader`). MOVED: leadership moved before the request was done and nothing
 * of it holds; ask the new leader. INVALID: the request cannot be done (unknown replica, not a voter, ...). BUSY:
 * not now (a change or transfer in progress, a voter not caught up, a transfer abandoned); retry. TIMEOUT: no
 * outcome in time; it may still happen. ENDED: the replica stopped before the outcome was known.
 */
export type MembershipFailure = 'NOT_LEADER' | 'MOVED' | 'INVALID' | 'BUSY' | 'TIMEOUT' | 'ENDED';

export class MembershipError extends Error {
  constructor(
    readonly code: MembershipFailure,
    message: string,
    /** Names the exact reason: notMember, alreadyMember, lastVoter, changeInProgress, notCaughtUp, ... */
    readonly constraint: string,
    readonly leader: string | null = null,
  ) {
    super(message);
    this.name = 'MembershipError';
  }
}

/** What the admin subjects answer: the contract's replies (services/consensus answers them as they are). */
export type ChangeOutcome = MembershipChangeReply;
export type TransferOutcome = LeaderTransferReply;

/** Resolves on the next event `wake` is told of, or after `ms`. */
function nextEvent(ms: number, setWake: (wake: (() => void) | null) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    setWake(() => (clearTimeout(timer), resolve()));
  }).finally(() => setWake(null));
}

/**
 * Single-server changes, one at a time: a change is proposed only when the previous one is committed and the
 * voters have the log up to the configuration in force (so the replica added last has caught up before the next
 * change can make a quorum depend on it). The reply waits for the entry to be applied here.
 */
export class MembershipAdmin {
  private transferring: string | null = null;

  constructor(private readonly node: ReplicaNode) {}

  /**
   * Proposes the change and answers once it is applied here. A leader deposed before its entry commits (under
   * load, check-quorum deposes a leader that misses one election timeout of answers) stays a follower of the next
   * leader and learns the entry's fate from its log: committed, it answers as if it had stayed leader; taken by
   * another entry, it fails as MOVED, and the caller asks the new leader. Either way the answer says what
   * happened; only the deadline leaves it open.
   */
  async change(action: 'add' | 'remove', replicaId: string, timeoutMs: number): Promise<ChangeOutcome> {
    const self = this.node.status().replicaId;
    // The listener is in place before the proposal, so an entry applied in the same Ready is not missed.
    const applied = new Map<number, { term: number; by: string }>();
    let wake: (() => void) | null = null;
    // Counts events, so one that comes while the fate is being read is not slept through.
    let events = 0;
    const event = () => (events++, wake?.());
    let halted: Error | null = null;
    const unsubscribe = this.node.coreEvents.subscribe({
      // Who led when the entry applied here: this leader, or the next one if this one was deposed meanwhile.
      confChangeApplied: (index, term) => {
        applied.set(index, { term, by: this.node.isLeader ? self : (this.node.leader ?? self) });
        event();
      },
      applied: event,
      leadership: event,
      halted: (err) => ((halted = err), event()),
    });
    try {
      const proposed = await this.node.onCore((raft) => this.propose(raft, action, replicaId));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (halted) throw new MembershipError('ENDED', (halted as Error).message, 'stopped');
        const seen = events;
        const fate = await this.fate(proposed, applied.get(proposed.index)?.term, action, replicaId);
        if (fate === 'committed') break;
        if (fate === 'overwritten') {
          throw new MembershipError(
            'MOVED',
            `the ${action} of ${replicaId} at index ${proposed.index} was overwritten by another leader`,
            'overwritten',
            this.node.leader,
          );
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new MembershipError(
            'TIMEOUT',
            `the ${action} of ${replicaId} (index ${proposed.index}) did not commit in time; it may still commit: check ossa.consensus.status`,
            'changeTimeout',
            this.node.leader,
          );
        }
        if (events === seen) await nextEvent(remaining, (w) => (wake = w));
      }
      const voters = this.node.status().peers;
      // Covered by a snapshot from the next leader, the entry was not applied here one by one.
      const committedBy = applied.get(proposed.index)?.by ?? this.node.leader ?? self;
      return { action, replicaId, index: proposed.index, term: proposed.term, voters, committedBy };
    } finally {
      unsubscribe();
    }
  }

  /**
   * Where the proposed entry stands in this replica's log: applied with its term (committed), its index applied
   * with another entry (overwritten), or not applied yet (open). When a snapshot from the next leader covered the
   * index, the configuration it holds (committed) decides.
   */
  private async fate(
    proposed: { index: number; term: number },
    appliedTerm: number | undefined,
    action: 'add' | 'remove',
    replicaId: string,
  ): Promise<'committed' | 'overwritten' | 'open'> {
    if (appliedTerm !== undefined) return appliedTerm === proposed.term ? 'committed' : 'overwritten';
    if (this.node.status().appliedIndex < proposed.index) return 'open';
    return this.node.onCore((raft) => {
      if (raft.snapshotIndex() < proposed.index)
        return raft.logTerm(proposed.index) === proposed.term ? 'committed' : 'overwritten';
      return raft.isVoter(replicaId) === (action === 'add') ? 'committed' : 'overwritten';
    });
  }

  /**
   * Hands leadership to `target` (or the most up-to-date other voter) and resolves once it leads. A transfer the
   * leader abandons (the target did not take over within an election timeout: stalled, behind, cut off) fails at
   * once as BUSY, so the caller may ask again; leadership taken by another voter fails as MOVED (the caller asks
   * the new leader) unless no target was named, in which case any other leader is what was asked for.
   */
  async transfer(target: string | undefined, timeoutMs: number): Promise<TransferOutcome> {
    let seen: { leader: string | null; term: number } | null = null;
    let wake: (() => void) | null = null;
    let halted: Error | null = null;
    let abandoned = false;
    const unsubscribe = this.node.coreEvents.subscribe({
      leadership: (leader, term) => ((seen = { leader, term }), wake?.()),
      // The core ends a transfer when the target takes over (this leader steps down first) or when it gives up.
      transferEnded: () => ((abandoned = this.node.isLeader), wake?.()),
      halted: (err) => ((halted = err), wake?.()),
    });
    let started = false;
    try {
      const { from, to, term } = await this.node.onCore((raft) => this.startTransfer(raft, target));
      if (from === to) return { from, leader: to, term };
      started = true;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = seen as { leader: string | null; term: number } | null;
        if (now?.leader === to) return { from, leader: to, term: now.term };
        if (now?.leader && now.leader !== from) {
          if (target === undefined) return { from, leader: now.leader, term: now.term };
          throw new MembershipError(
            'MOVED',
            `leadership went to ${now.leader} instead of ${to}`,
            'transferLost',
            now.leader,
          );
        }
        if (halted) throw new MembershipError('ENDED', (halted as Error).message, 'stopped');
        if (abandoned) {
          throw new MembershipError(
            'BUSY',
            `${to} did not take over within an election timeout (stalled, behind or unreachable), so ${from} abandoned the transfer and still leads; retry`,
            'transferAbandoned',
            from,
          );
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new MembershipError(
            'TIMEOUT',
            `${to} did not take over in time; check ossa.consensus.status`,
            'transferTimeout',
            this.node.leader,
          );
        }
        await nextEvent(remaining, (w) => (wake = w));
      }
    } finally {
      if (started) this.transferring = null;
      unsubscribe();
    }
  }

  private propose(
    raft: RawNode,
    action: 'add' | 'remove',
    replicaId: string,
  ): { index: number; term: number } {
    const s = raft.status();
    if (s.role !== 'leader') throw notLeader(s.id, s.leader);
    if (this.transferring) {
      throw new MembershipError(
        'BUSY',
        `leadership is moving to ${this.transferring}; retry on the new leader`,
        'transferInProgress',
        s.leader,
      );
    }
    const member = s.voters.includes(replicaId);
    if (action === 'add' && member)
      throw new MembershipError('INVALID', `${replicaId} is already a voter`, 'alreadyMember', s.leader);
    if (action === 'remove' && !member)
      throw new MembershipError('INVALID', `${replicaId} is not a voter`, 'notMember', s.leader);
    if (action === 'add' && s.voters.length >= MAX_VOTERS) {
      throw new MembershipError(
        'INVALID',
        `the cluster has ${s.voters.length} voters already, the most allowed`,
        'tooManyVoters',
        s.leader,
      );
    }
    if (action === 'remove' && s.voters.length === 1) {
      throw new MembershipError(
        'INVALID',
        `cannot remove ${replicaId}, the last voter`,
        'lastVoter',
        s.leader,
      );
    }
    // Thesis §4.1 (the bug fix of 2015): a leader changes membership only once an entry of its term committed.
    if (raft.logTerm(s.commitIndex) !== s.term) {
      throw new MembershipError(
        'BUSY',
        `leader ${s.id} has not committed an entry of its term yet; retry in a moment`,
        'leaderNotReady',
        s.leader,
      );
    }
    const configIndex = raft.configIndex();
    if (configIndex > s.commitIndex) {
      throw new MembershipError(
        'BUSY',
        `the membership change at index ${configIndex} is not committed yet; retry after it commits`,
        'changeInProgress',
        s.leader,
      );
    }
    // A replica has caught up once its log holds the configuration in force. Adding: every voter has (the one added
    // last included), so the quorum never depends on two empty replicas. Removing: the voters that stay and have
    // caught up still form a quorum of the new configuration (a failed replica can always be removed).
    const caughtUp = (id: string) => id === s.id || (s.progress[id]?.match ?? 0) >= configIndex;
    const staying = s.voters.filter((id) => id !== replicaId);
    const lagging = staying.filter((id) => !caughtUp(id));
    const stuck =
      action === 'add'
        ? lagging.length > 0
        : staying.length - lagging.length < Math.floor(staying.length / 2) + 1;
    if (stuck) {
      throw new MembershipError(
        'BUSY',
        `${lagging.join(', ')} has not caught up to the configuration in force (index ${configIndex}); retry once it has (is its process running, with CONSENSUS_JOIN=1?)`,
        'notCaughtUp',
        s.leader,
      );
    }
    const r = raft.proposeConfChange({
      type: action === 'add' ? 'addNode' : 'removeNode',
      nodeId: replicaId,
    });
    if (!r.ok) {
      const code = r.error.code;
      if (code === 'NOT_LEADER') throw notLeader(s.id, raft.leader());
      const busy = code === 'CONF_CHANGE_PENDING' || code === 'TRANSFER_IN_PROGRESS';
      throw new MembershipError(
        busy ? 'BUSY' : 'INVALID',
        r.error.message,
        code === 'CONF_CHANGE_PENDING'
          ? 'changeInProgress'
          : code === 'TRANSFER_IN_PROGRESS'
            ? 'transferInProgress'
            : 'invalidChange',
        s.leader,
      );
    }
    return r.value;
  }

  private startTransfer(
    raft: RawNode,
    target: string | undefined,
  ): { from: string; to: string; term: number } {
    const s = raft.status();
    if (s.role !== 'leader') throw notLeader(s.id, s.leader);
    if (target === s.id) return { from: s.id, to: s.id, term: s.term };
    // Checked and set here, between Readies, so two transfers asked at once cannot both start.
    if (this.transferring) {
      throw new MembershipError(
        'BUSY',
        `leadership is already moving to ${this.transferring}; retry once it has`,
        'transferInProgress',
        s.leader,
      );
    }
    if (target !== undefined && !s.voters.includes(target)) {
      throw new MembershipError(
        'INVALID',
        `cannot transfer leadership to ${target}: not a voter`,
        'notMember',
        s.leader,
      );
    }
    // Without a target: the voter whose log matches the leader's furthest (ties by id, for a stable choice).
    const to =
      target ??
      s.voters
        .filter((id) => id !== s.id)
        .sort((a, b) => (s.progress[b]?.match ?? 0) - (s.progress[a]?.match ?? 0) || a.localeCompare(b))[0];
    if (to === undefined)
      throw new MembershipError(
        'INVALID',
        `${s.id} is the only voter: no one to hand leadership to`,
        'noOtherVoter',
        s.leader,
      );
    const r = raft.transferLeadership(to);
    if (!r.ok) throw new MembershipError('INVALID', r.error.message, 'invalidTransfer', s.leader);
    this.transferring = to;
    return { from: s.id, to, term: s.term };
  }
}

function notLeader(self: string, leader: string | null): MembershipError {
  const hint = leader ? `; the leader is ${leader}` : '; no leader is known yet';
  return new MembershipError('NOT_LEADER', `replica ${self} is not the leader${hint}`, 'notLeader', leader);
}
