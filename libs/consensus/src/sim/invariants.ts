// Raft's safety properties (paper Figure 3), checked as the simulation runs.
import type { Entry, NodeId } from '../raft/types';

export type InvariantName =
  | 'ElectionSafety'
  | 'LogMatching'
  | 'LeaderCompleteness'
  | 'StateMachineSafety'
  | 'Linearizability'
  | 'Progress'
  | 'CoreAssertion';

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: InvariantName,
    message: string,
    readonly step: number,
  ) {
    super(`${invariant} violated at step ${step}: ${message}`);
    this.name = 'InvariantViolation';
  }
}

/** What the checker needs to see of a replica's log. */
export interface LogView {
  term(index: number): number | undefined;
  snapshotIndex(): number;
  lastIndex(): number;
}

const decoder = new TextDecoder();
export const fingerprint = (e: Entry): string => `${e.term}/${e.type}/${decoder.decode(e.data)}`;

export class SafetyChecker {
  step = 0;
  private leaderOfTerm = new Map<number, NodeId>();
  /** (index:term) → identity of the entry and its predecessor's term, as first persisted anywhere. */
  private identity = new Map<string, string>();
  /** index → term of the committed entry and the earliest term in which some replica knew it committed. */
  private committed = new Map<number, { term: number; commitTerm: number }>();
  private appliedAt = new Map<number, string>();
  maxCommitted = 0;

  private fail(invariant: InvariantName, message: string): never {
    throw new InvariantViolation(invariant, message, this.step);
  }

  /** §5.2 Election Safety: at most one leader can be elected in a given term. */
  onLeader(id: NodeId, term: number, log: LogView): void {
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== id)
      this.fail('ElectionSafety', `${other} and ${id} both lead term ${term}`);
    this.leaderOfTerm.set(term, id);
    let top = 0;
    for (const [index, c] of this.committed) if (c.commitTerm < term && index > top) top = index;
    if (top > 0) this.checkHolds(id, term, log, top);
  }

  /** §5.3 Log Matching, by induction: an (index, term) pair always names the same entry and predecessor term. */
  onPersist(id: NodeId, entries: Entry[], log: LogView): void {
    for (const e of entries) {
      const prev = e.index - 1 >= log.snapshotIndex() ? log.term(e.index - 1) : undefined;
      const value = `${prev ?? '?'}|${fingerprint(e)}`;
      const key = `${e.index}:${e.term}`;
      const seen = this.identity.get(key);
      if (seen === undefined) this.identity.set(key, value);
      else if (!sameIdentity(seen, value)) {
        this.fail('LogMatching', `${id} holds entry ${key} as ${value}, elsewhere it is ${seen}`);
      }
    }
  }

  /** Records entries a replica now knows committed; a committed index never changes its entry. */
  onCommit(
    id: NodeId,
    from: number,
    to: number,
    currentTerm: number,
    log: LogView,
    leaders: [NodeId, number, LogView][],
  ): void {
    for (let i = Math.max(from, log.snapshotIndex() + 1); i <= to; i++) {
      const term = log.term(i);
      if (term === undefined) continue;
      const known = this.committed.get(i);
      if (known && known.term !== term) {
        this.fail(
          'StateMachineSafety',
          `${id} commits index ${i} with term ${term}, committed before with term ${known.term}`,
        );
      }
      // Keep the earliest term in which any replica knew the entry committed.
      const commitTerm = Math.min(currentTerm, known?.commitTerm ?? currentTerm);
      this.committed.set(i, { term, commitTerm });
      if (i > this.maxCommitted) this.maxCommitted = i;
      for (const [leader, leaderTerm, view] of leaders) {
        if (leaderTerm > commitTerm) this.checkHolds(leader, leaderTerm, view, i);
      }
    }
  }

  /** §5.4.3 State Machine Safety: no two replicas apply different entries at one index. */
  onApply(id: NodeId, e: Entry): void {
    const value = fingerprint(e);
    const seen = this.appliedAt.get(e.index);
    if (seen === undefined) this.appliedAt.set(e.index, value);
    else if (seen !== value)
      this.fail(
        'StateMachineSafety',
        `${id} applies ${value} at ${e.index}, another replica applied ${seen}`,
      );
  }

  /**
   * The end-of-step check: pairwise Log Matching over persisted logs (backing the incremental check) and
   * Leader Completeness of every current leader against the newest entry committed before its term.
   */
  afterStep(logs: [NodeId, LogView][], leaders: [NodeId, number, LogView][]): void {
    this.checkLogsMatch(logs);
    for (const [leader, term, view] of leaders) {
      let top = 0;
      for (const [index, c] of this.committed) if (c.commitTerm < term && index > top) top = index;
      if (top > 0) this.checkHolds(leader, term, view, top);
    }
  }

  /** Full pairwise Log Matching over persisted logs. */
  checkLogsMatch(logs: [NodeId, LogView][]): void {
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) {
        const [ida, la] = logs[a];
        const [idb, lb] = logs[b];
        const lo = Math.max(la.snapshotIndex(), lb.snapshotIndex());
        let hi = Math.min(la.lastIndex(), lb.lastIndex());
        while (hi > lo && la.term(hi) !== lb.term(hi)) hi--;
        for (let i = hi; i > lo; i--) {
          if (la.term(i) !== lb.term(i))
            this.fail('LogMatching', `${ida} and ${idb} agree at ${hi} but differ at ${i}`);
        }
      }
    }
  }

  /** §5.4 Leader Completeness: a leader of a later term holds every committed entry. */
  private checkHolds(leader: NodeId, term: number, log: LogView, index: number): void {
    if (index <= log.snapshotIndex()) return;
    const want = this.committed.get(index)?.term;
    const have = log.term(index);
    if (have !== want) {
      this.fail(
        'LeaderCompleteness',
        `${leader}, leader of term ${term}, lacks committed entry ${index} (term ${want}); it has ${have ?? 'nothing'}`,
      );
    }
  }
}

function sameIdentity(a: string, b: string): boolean {
  if (a === b) return true;
  // The predecessor may be unknown ('?') on a replica whose log starts at a snapshot.
  const [pa, ...ra] = a.split('|');
  const [pb, ...rb] = b.split('|');
  return ra.join('|') === rb.join('|') && (pa === '?' || pb === '?');
}
