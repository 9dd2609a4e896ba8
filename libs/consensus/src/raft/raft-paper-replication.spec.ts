// Paper tests for §5.3 (log replication) and §5.4 (safety), after etcd's raft_paper_test.go.
import type { Raft } from './raft';
import type { Message } from './types';
import {
  TestCluster,
  entry,
  logOfTerms,
  newRaft,
  raftWithLog,
  takeMessages,
  takeReady,
} from './test-support';

const ids = ['a', 'b', 'c'];
const text = (s: string) => new TextEncoder().encode(s);

/** A leader of term 1 with its no-op (index 1) acknowledged and committed by everyone. */
function committedLeader(voters = ids): Raft {
  const r = newRaft('a', voters);
  r.becomeCandidate();
  r.becomeLeader();
  takeReady(r);
  for (const id of voters.slice(1))
    r.step({ type: 'appendEntriesResponse', from: id, to: 'a', term: 1, index: 1 });
  takeReady(r);
  return r;
}

const ack = (from: string, index: number, term = 1): Message => ({
  type: 'appendEntriesResponse',
  from,
  to: 'a',
  term,
  index,
});

describe('§5.3 Log replication', () => {
  it('a leader appends a proposal to its log and sends AppendEntries to every follower', () => {
    // "The leader appends the command to its log as a new entry, then issues AppendEntries RPCs in parallel to
    // each of the other servers to replicate the entry." — §5.3
    const r = committedLeader();
    r.propose(text('x'));
    const rd = takeReady(r);
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[2, 1]]);
    expect(
      rd.messages.map((m) => [m.type, m.to, m.index, m.logTerm, m.commit, m.entries?.map((e) => e.index)]),
    ).toEqual([
      ['appendEntries', 'b', 1, 1, 1, [2]],
      ['appendEntries', 'c', 1, 1, 1, [2]],
    ]);
  });

  it('a leader commits an entry once a majority stores it and tells followers the new commit index', () => {
    // "A log entry is committed once the leader that created the entry has replicated it on a majority of the
    // servers ... The leader keeps track of the highest index it knows to be committed, and it includes that
    // index in future AppendEntries RPCs." — §5.3
    const r = committedLeader();
    r.propose(text('x'));
    takeReady(r);
    r.step(ack('b', 2));
    const rd = takeReady(r);
    expect(r.log.committed).toBe(2);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.messages.filter((m) => m.type === 'appendEntries').map((m) => [m.to, m.commit])).toEqual([
      ['b', 2],
      ['c', 2],
    ]);
  });

  it('a leader counts itself in the majority only once its own write of the entry is durable', () => {
    // Thesis §10.2.1: the leader may send entries before writing them to its own disk, as long as it counts
    // itself only for entries it has persisted.
    const r = committedLeader();
    r.propose(text('x'));
    const rd = r.ready();
    expect(rd.messages.filter((m) => m.type === 'appendEntries').map((m) => m.to)).toEqual(['b', 'c']);
    r.step(ack('b', 2));
    expect(r.log.committed).toBe(1);
    r.advance(rd);
    expect(r.log.committed).toBe(2);
    expect(takeReady(r).committedEntries.map((e) => e.index)).toEqual([2]);
  });

  it('without its own write a leader commits with acks from a majority of the others', () => {
    const r = committedLeader(['a', 'b', 'c']);
    r.propose(text('x'));
    const rd = r.ready();
    r.step(ack('b', 2));
    r.step(ack('c', 2));
    expect(r.log.committed).toBe(2);
    r.advance(rd);
  });

  it.each([
    // [cluster size, acks, committed?]
    [1, [], true],
    [3, [], false],
    [3, ['b'], true],
    [5, ['b'], false],
    [5, ['b', 'c'], true],
    [5, ['b', 'c', 'd', 'e'], true],
  ] as [number, string[], boolean][])(
    'with %i servers and acks from %j the entry is committed: %s',
    (n, acks, committed) => {
      // "The leader decides when it is safe to apply a log entry ... once the leader that created the entry has
      // replicated it on a majority of the servers." — §5.3
      const voters = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
      const r = committedLeader(voters);
      r.propose(text('x'));
      takeReady(r);
      for (const id of acks) r.step(ack(id, 2));
      expect(r.log.committed === 2).toBe(committed);
    },
  );

  it('committing an entry commits all preceding entries, including earlier terms', () => {
    // "This also commits all preceding entries in the leader's log, including entries created by previous
    // leaders." — §5.3
    const r = raftWithLog('a', ids, [1, 1, 2], 2);
    r.becomeCandidate();
    r.becomeLeader();
    takeReady(r);
    r.step(ack('b', 4, 3));
    const rd = takeReady(r);
    expect(rd.committedEntries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
  });

  it('a follower learns the commit index from AppendEntries and applies entries in order', () => {
    // "Once a follower learns that a log entry is committed, it applies the entry to its local state machine
    // (in log order)." — §5.3
    const r = newRaft('a', ids);
    r.step({
      type: 'appendEntries',
      from: 'b',
      to: 'a',
      term: 1,
      index: 0,
      logTerm: 0,
      entries: [entry(1, 1), entry(2, 1)],
      commit: 1,
    });
    expect(takeReady(r).committedEntries.map((e) => e.index)).toEqual([1]);
    r.step({ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 2 });
    expect(takeReady(r).committedEntries.map((e) => e.index)).toEqual([2]);
  });

  it.each([
    // [prevLogTerm, prevLogIndex, reject, rejectHint]
    [0, 0, false, undefined],
    [1, 1, false, undefined],
    [2, 2, false, undefined],
    [1, 2, true, 1],
    [3, 3, true, 2],
  ])('consistency check: prev (term %i, index %i) is rejected: %s', (logTerm, index, reject, hint) => {
    // "If the follower does not find an entry in its log with the same index and term, then it refuses the
    // new entries." — §5.3
    const r = raftWithLog('a', ids, [1, 2], 2);
    r.step({ type: 'appendEntries', from: 'b', to: 'a', term: 2, index, logTerm, entries: [], commit: 0 });
    const [m] = takeMessages(r);
    expect(m.type).toBe('appendEntriesResponse');
    expect(m.reject ?? false).toBe(reject);
    expect(m.rejectHint).toBe(hint);
  });

  it.each([
    // [prev index, prev term, new entries (terms from prev+1), expected log terms]
    [2, 2, [3], [1, 2, 3]],
    [1, 1, [3, 4], [1, 3, 4]],
    [0, 0, [1], [1, 2]],
    [0, 0, [3], [3]],
  ])('after prev %i/%i with new entries %j the follower log is %j', (index, logTerm, terms, want) => {
    // "If an existing entry conflicts with a new one (same index but different terms), delete the existing
    // entry and all that follow it; append any new entries not already in the log." — Figure 2
    const r = raftWithLog('a', ids, [1, 2], 2);
    const entries = terms.map((t, i) => entry(index + 1 + i, t));
    r.step({ type: 'appendEntries', from: 'b', to: 'a', term: 4, index, logTerm, entries, commit: 0 });
    const rd = takeReady(r);
    const log = r.log.slice(1, r.log.lastIndex() + 1)?.map((e) => e.term);
    expect(log).toEqual(want);
    // What the follower must persist: the entries of the final log from the first one it did not hold.
    const before = [1, 2];
    let first = 0;
    while (first < want.length && first < before.length && want[first] === before[first]) first++;
    expect(rd.entries.map((e) => e.term)).toEqual(want.slice(first));
  });

  it.each([
    ['a: missing entries', [1, 1, 1, 4, 4, 5, 5, 6, 6]],
    ['b: missing many', [1, 1, 1, 4]],
    ['c: extra uncommitted entry', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]],
    ['d: extra entries of a later term', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]],
    ['e: extra entries of an earlier term', [1, 1, 1, 4, 4, 4, 4]],
    ['f: extra entries of several terms', [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]],
  ])('Figure 7 case %s: the leader forces the follower log to duplicate its own', (_name, followerTerms) => {
    // "The leader handles inconsistencies by forcing the followers' logs to duplicate its own ... conflicting
    // entries in follower logs will be overwritten with entries from the leader's log." — §5.3
    const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const c = new TestCluster(['a', 'b', 'c']);
    c.nodes.set('a', raftWithLog('a', ['a', 'b', 'c'], leaderTerms, 8));
    c.nodes.set('b', raftWithLog('b', ['a', 'b', 'c'], followerTerms, 7));
    c.nodes.set('c', raftWithLog('c', ['a', 'b', 'c'], [], 7));
    c.elect('a');
    expect(c.get('a').role).toBe('leader');
    const termsOf = (r: Raft) => r.log.slice(1, r.log.lastIndex() + 1)?.map((e) => e.term);
    expect(termsOf(c.get('b'))).toEqual(termsOf(c.get('a')));
    // The commit index reaches the follower with the next heartbeat.
    c.tickAll(1);
    expect(c.get('b').log.committed).toBe(c.get('a').log.lastIndex());
  });

  it('finds the match point in one round trip per term with the conflict hint', () => {
    // "When rejecting an AppendEntries request, the follower can include the term of the conflicting entry and
    // the first index it stores for that term ... one AppendEntries RPC will be required for each term with
    // conflicting entries, rather than one RPC per entry." — §5.3
    const leader = raftWithLog('a', ['a', 'b'], [1, 1, 3, 3, 3, 3, 3, 3, 3, 3], 5);
    const follower = raftWithLog('b', ['a', 'b'], [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 4);
    leader.becomeCandidate();
    leader.becomeLeader();
    let appends = 0;
    let msgs = takeMessages(leader);
    while (msgs.length > 0) {
      const next: Message[] = [];
      for (const m of msgs) {
        if (m.type === 'appendEntries') appends++;
        if (m.to === 'b') follower.step(m);
        next.push(...takeMessages(follower));
      }
      for (const m of next) leader.step(m);
      msgs = takeMessages(leader);
      if (appends > 20) break;
    }
    expect(follower.log.slice(1, follower.log.lastIndex() + 1)?.map((e) => e.term)).toEqual([
      1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 6,
    ]);
    expect(appends).toBeLessThanOrEqual(4);
  });
});

describe('§5.4 Safety', () => {
  it('a RequestVote carries the candidate last log index and term', () => {
    // "RequestVote RPC ... lastLogIndex: index of candidate's last log entry; lastLogTerm: term of candidate's
    // last log entry." — Figure 2
    const r = raftWithLog('a', ids, [1, 1, 2], 2);
    r.campaign();
    expect(takeMessages(r).map((m) => [m.type, m.term, m.index, m.logTerm])).toEqual([
      ['requestVote', 3, 3, 2],
      ['requestVote', 3, 3, 2],
    ]);
  });

  it.each([
    // [voter log terms, candidate last index, candidate last term, reject]
    [[1, 1], 2, 1, false],
    [[1, 1], 3, 1, false],
    [[1, 1], 1, 1, true],
    [[1, 1], 1, 2, false],
    [[1, 2], 3, 1, true],
    [[1, 2], 2, 2, false],
    [[1, 2], 1, 2, true],
    [[1, 2], 5, 3, false],
  ])(
    'a voter with log %j asked by a candidate with last %i/%i rejects: %s',
    (terms, index, logTerm, reject) => {
      // "The voter denies its vote if its own log is more up-to-date than that of the candidate ... If the logs
      // have last entries with different terms, then the log with the later term is more up-to-date. If the logs
      // end with the same term, then whichever log is longer is more up-to-date." — §5.4.1
      const r = raftWithLog('a', ids, terms, 3);
      r.step({ type: 'requestVote', from: 'b', to: 'a', term: 4, index, logTerm });
      expect(takeMessages(r)[0].reject).toBe(reject);
    },
  );

  it('a leader never commits an entry from a previous term by counting replicas (Figure 8)', () => {
    // "Raft never commits log entries from previous terms by counting replicas. Only log entries from the
    // leader's current term are committed by counting replicas." — §5.4.2
    const r = raftWithLog('a', ['a', 'b', 'c', 'd', 'e'], [1, 2], 3);
    r.becomeCandidate();
    r.becomeLeader();
    takeReady(r);
    r.step({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 4, index: 2 });
    r.step({ type: 'appendEntriesResponse', from: 'c', to: 'a', term: 4, index: 2 });
    expect(r.log.committed).toBe(0);
    r.step({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 4, index: 3 });
    r.step({ type: 'appendEntriesResponse', from: 'c', to: 'a', term: 4, index: 3 });
    expect(r.log.committed).toBe(3);
  });

  it('with the commit-rule bug switched on, the same leader commits the old entry by counting', () => {
    // The deliberate bug that the simulator must catch: the Figure 8 rule removed.
    const r = newRaft(
      'a',
      ['a', 'b', 'c', 'd', 'e'],
      { testingBugs: { commitRule: true } },
      { hardState: { term: 3, vote: null, commit: 0 }, snapshot: null, entries: logOfTerms([1, 2]) },
    );
    r.becomeCandidate();
    r.becomeLeader();
    takeReady(r);
    r.step({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 4, index: 2 });
    r.step({ type: 'appendEntriesResponse', from: 'c', to: 'a', term: 4, index: 2 });
    expect(r.log.committed).toBe(2);
  });

  it('with the vote-rule bug switched on, a voter grants a vote to a candidate with a stale log', () => {
    const r = newRaft(
      'a',
      ids,
      { testingBugs: { voteRule: true } },
      { hardState: { term: 3, vote: null, commit: 0 }, snapshot: null, entries: logOfTerms([1, 2]) },
    );
    r.step({ type: 'requestVote', from: 'b', to: 'a', term: 4, index: 1, logTerm: 1 });
    expect(takeMessages(r)[0].reject).toBe(false);
  });
});
