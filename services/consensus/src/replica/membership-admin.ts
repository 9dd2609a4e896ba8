// Membership change and leadership transfer on a running replica (thesis §4.1–§4.2.3, §3.10), run on the leader.
import type { LeaderTransferReply, MembershipChangeReply } from '@ossa/contracts';
import type { RawNode } from '@ossa/consensus';
import type { ReplicaNode } from './replica-node';

/**
 * NOT_LEADER: ask the leader (its id in `leader`). INVALID: the request cannot be done (unknown replica, not a
 * voter, ...). BUSY: not now (a change or transfer in progress, a voter not caught up); retry. TIMEOUT: no
 * outcome in time. ENDED: leadership ended before the change committed; it may still commit.
 */
/** Voters a leader fans every append and heartbeat out to; past this, adding more is refused. */
export const MAX_VOTERS = 15;

export type MembershipFailure = 'NOT_LEADER' | 'INVALID' | 'BUSY' | 'TIMEOUT' | 'ENDED';

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

/**
 * Single-server changes, one at a time: a change is proposed only when the previous one is committed and the
 * voters have the log up to the configuration in force (so the replica added last has caught up before the next
 * change can make a quorum depend on it). The reply waits for the entry to be applied on this leader.
 */
export class MembershipAdmin {
  private transferring: string | null = null;

  constructor(private readonly node: ReplicaNode) {}

  async change(action: 'add' | 'remove', replicaId: string, timeoutMs: number): Promise<ChangeOutcome> {
    const self = this.node.status().replicaId;
    // The listener is in place before the proposal, so an entry applied in the same Ready is not missed.
    const applied = new Map<number, number>();
    let wake: (() => void) | null = null;
    let ended: MembershipError | null = null;
    const unsubscribe = this.node.coreEvents.subscribe({
      confChangeApplied: (index, term) => (applied.set(index, term), wake?.()),
      halted: (err) => ((ended = new MembershipError('ENDED', err.message, 'stopped')), wake?.()),
      leadership: (leader) => {
        if (leader === self) return;
        const msg = `leadership ended before the change committed; it may still commit: check ossa.consensus.status before retrying`;
        ended = new MembershipError('ENDED', msg, 'leadershipEnded', leader);
        wake?.();
      },
    });
    try {
      const proposed = await this.node.onCore((raft) => this.propose(raft, action, replicaId));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const term = applied.get(proposed.index);
        if (term === proposed.term) break;
        if (term !== undefined || ended) {
          throw (
            ended ??
            new MembershipError(
              'ENDED',
              `the ${action} of ${replicaId} at index ${proposed.index} was overwritten by another leader; check ossa.consensus.status and retry`,
              'overwritten',
            )
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
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = null;
      }
      const voters = this.node.status().peers;
      return { action, replicaId, index: proposed.index, term: proposed.term, voters, committedBy: self };
    } finally {
      unsubscribe();
    }
  }

  /** Hands leadership to `target` (or the most up-to-date other voter) and resolves once it leads. */
  async transfer(target: string | undefined, timeoutMs: number): Promise<TransferOutcome> {
    let seen: { leader: string | null; term: number } | null = null;
    let wake: (() => void) | null = null;
    let halted: Error | null = null;
    const unsubscribe = this.node.coreEvents.subscribe({
      leadership: (leader, term) => ((seen = { leader, term }), wake?.()),
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
          throw new MembershipError(
            'ENDED',
            `leadership went to ${now.leader} instead of ${to}`,
            'transferLost',
            now.leader,
          );
        }
        if (halted) throw new MembershipError('ENDED', (halted as Error).message, 'stopped');
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new MembershipError(
            'TIMEOUT',
            `${to} did not take over in time (a transfer is abandoned after an election timeout); retry`,
            'transferTimeout',
            this.node.leader,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => (clearTimeout(timer), resolve());
        });
        wake = null;
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
