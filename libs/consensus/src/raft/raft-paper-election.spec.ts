// Paper tests for §5.1 (basics) and §5.2 (leader election), after etcd's raft_paper_test.go.
import type { Message, Role } from './types';
import { Prng } from '../sim/prng';
import {
  ELECTION,
  HEARTBEAT,
  TestCluster,
  electionTimeout,
  hash,
  newRaft,
  raftWithLog,
  takeMessages,
  takeReady,
} from './test-support';

const ids = ['a', 'b', 'c'];

function makeRole(role: Role) {
  const r = newRaft('a', ids);
  if (role === 'candidate') r.becomeCandidate();
  if (role === 'leader') {
    r.becomeCandidate();
    r.becomeLeader();
  }
  takeReady(r);
  return r;
}

describe('§5.1 Raft basics', () => {
  it('answers a RequestVote of a stale term with false and its term, and the candidate steps down', () => {
    // RequestVote results: "term: currentTerm, for candidate to update itself"; "Reply false if term <
    // currentTerm" — Figure 2
    const voter = newRaft('b', ['a', 'b', 'c']);
    voter.becomeFollower(9, null);
    takeReady(voter);
    voter.step({ type: 'requestVote', from: 'a', to: 'b', term: 4, index: 0, logTerm: 0 });
    const [answer] = takeMessages(voter);
    expect(answer).toMatchObject({ type: 'requestVoteResponse', to: 'a', term: 9, reject: true });
    const candidate = newRaft('a', ['a', 'b', 'c']);
    candidate.becomeFollower(3, null);
    candidate.becomeCandidate();
    candidate.step(answer);
    expect([candidate.role, candidate.term]).toEqual(['follower', 9]);
  });

  it.each<Role>(['follower', 'candidate', 'leader'])(
    'a %s seeing a larger term updates its term and reverts to follower',
    (role) => {
      // "If one server's current term is smaller than the other's, then it updates its current term to the
      // larger value. If a candidate or leader discovers that its term is out of date, it immediately reverts
      // to follower state." — §5.1
      const r = makeRole(role);
      r.step({
        type: 'appendEntries',
        from: 'b',
        to: 'a',
        term: 5,
        index: 0,
        logTerm: 0,
        entries: [],
        commit: 0,
      });
      expect(r.term).toBe(5);
      expect(r.role).toBe('follower');
      expect(r.leader).toBe('b');
    },
  );

  it('rejects a request with a stale term', () => {
    // "If a server receives a request with a stale term number, it rejects the request." — §5.1
    const r = raftWithLog('a', ids, [1], 2);
    r.step({
      type: 'appendEntries',
      from: 'b',
      to: 'a',
      term: 1,
      index: 1,
      logTerm: 1,
      entries: [],
      commit: 1,
    });
    expect(r.log.committed).toBe(0);
    expect(r.term).toBe(2);
    expect(takeMessages(r)).toEqual([]);
  });

  it('starts as a follower', () => {
    // "When servers start up, they begin as followers." — §5.2
    const r = newRaft('a', ids);
    expect(r.role).toBe('follower');
    expect(r.term).toBe(0);
  });

  it('a leader sends heartbeats to every follower each heartbeat interval', () => {
    // "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all followers in
    // order to maintain their authority." — §5.2
    const r = makeRole('leader');
    for (let i = 0; i < HEARTBEAT; i++) r.tick();
    const msgs = takeMessages(r);
    expect(msgs.map((m) => [m.type, m.to, m.term])).toEqual([
      ['heartbeat', 'b', 1],
      ['heartbeat', 'c', 1],
    ]);
  });
});

describe('§5.2 Leader election', () => {
  it.each<Role>(['follower', 'candidate'])('a %s that times out starts an election', (role) => {
    // "To begin an election, a follower increments its current term and transitions to candidate state. It
    // then votes for itself and issues RequestVote RPCs in parallel to each of the other servers." — §5.2
    const r = makeRole(role);
    const term = r.term;
    electionTimeout(r);
    expect(r.term).toBe(term + 1);
    expect(r.role).toBe('candidate');
    expect(r.vote).toBe('a');
    expect(takeMessages(r).map((m) => [m.type, m.to, m.term])).toEqual([
      ['requestVote', 'b', term + 1],
      ['requestVote', 'c', term + 1],
    ]);
  });

  it.each([
    // [cluster size, votes granted (besides self), votes rejected, expected role]
    [1, [], [], 'leader'],
    [3, ['b'], [], 'leader'],
    [3, ['b', 'c'], [], 'leader'],
    [5, ['b', 'c'], [], 'leader'],
    [5, ['b'], [], 'candidate'],
    [3, [], ['b', 'c'], 'follower'],
    [5, ['b'], ['c', 'd', 'e'], 'follower'],
  ] as [number, string[], string[], Role][])(
    'in a cluster of %i, granted %j and rejected %j, the candidate becomes %s',
    (n, granted, rejected, want) => {
      // "A candidate wins an election if it receives votes from a majority of the servers in the full cluster
      // for the same term." / it loses when a majority rejects it. — §5.2
      const all = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
      const r = newRaft('a', all);
      r.campaign();
      takeReady(r);
      const vote = (from: string, reject: boolean): Message => ({
        type: 'requestVoteResponse',
        from,
        to: 'a',
        term: 1,
        reject,
      });
      for (const id of granted) r.step(vote(id, false));
      for (const id of rejected) r.step(vote(id, true));
      expect(r.role).toBe(want);
      expect(r.term).toBe(1);
    },
  );

  it.each([
    // [vote already cast, candidate asking, expect reject]
    [null, 'b', false],
    [null, 'c', false],
    ['b', 'b', false],
    ['c', 'c', false],
    ['b', 'c', true],
    ['c', 'b', true],
  ])('with vote %s, a follower asked by %s rejects: %s', (vote, from, reject) => {
    // "Each server will vote for at most one candidate in a given term, on a first-come-first-served basis." — §5.2
    const r = newRaft('a', ids, {}, { hardState: { term: 1, vote, commit: 0 }, snapshot: null, entries: [] });
    r.step({ type: 'requestVote', from, to: 'a', term: 1, index: 0, logTerm: 0 });
    expect(takeMessages(r)).toEqual([{ type: 'requestVoteResponse', from: 'a', to: from, term: 1, reject }]);
  });

  it.each([0, 1])(
    'a candidate hearing AppendEntries from a leader of its term + %i falls back to follower',
    (extra) => {
      // "If the leader's term (included in its RPC) is at least as large as the candidate's current term, then
      // the candidate recognizes the leader as legitimate and returns to follower state." — §5.2
      const r = newRaft('a', ids);
      r.campaign();
      takeReady(r);
      const term = r.term + extra;
      r.step({
        type: 'appendEntries',
        from: 'b',
        to: 'a',
        term,
        index: 0,
        logTerm: 0,
        entries: [],
        commit: 0,
      });
      expect(r.role).toBe('follower');
      expect(r.term).toBe(term);
      expect(r.leader).toBe('b');
    },
  );

  it('a follower rejecting a higher-term candidate adopts the term but keeps its election timer running', () => {
    // "If election timeout elapses without receiving AppendEntries RPC from current leader or granting vote to
    // candidate: convert to candidate." — Figure 2 (a rejected vote request does not reset the timer)
    const r = raftWithLog('a', ids, [1, 2], 2);
    for (let i = 0; i < ELECTION - 1; i++) r.tick();
    r.step({ type: 'requestVote', from: 'b', to: 'a', term: 3, index: 1, logTerm: 1 });
    expect(takeMessages(r)[0]).toMatchObject({ reject: true, term: 3 });
    expect(r.electionElapsed).toBe(ELECTION - 1);
    r.step({ type: 'requestVote', from: 'c', to: 'a', term: 4, index: 2, logTerm: 2 });
    expect(takeMessages(r)[0]).toMatchObject({ reject: false, term: 4 });
    expect(r.electionElapsed).toBe(0);
  });

  it('randomizes election timeouts within [electionTimeout, 2 * electionTimeout)', () => {
    // "Raft uses randomized election timeouts to ensure that split votes are rare ... chosen randomly from a
    // fixed interval (e.g., 150–300ms)." — §5.2
    const seen = new Set<number>();
    for (let term = 1; term < 200; term++) {
      const r = newRaft('a', ids, { random: new Prng(term) });
      r.becomeFollower(term, null);
      let ticks = 0;
      while (r.role === 'follower' && ticks < 2 * ELECTION) {
        r.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(ELECTION);
      expect(ticks).toBeLessThan(2 * ELECTION);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(ELECTION / 2);
  });

  it('usually lets a single follower time out first, avoiding split votes', () => {
    // "In most cases only a single server will time out; it wins the election and sends heartbeats before any
    // other servers time out." — §5.2
    let conflicts = 0;
    const rounds = 500;
    for (let round = 0; round < rounds; round++) {
      const five = ['a', 'b', 'c', 'd', 'e'];
      const rs = five.map((id) => newRaft(id, five, { random: new Prng(hash(id) + round * 7919) }));
      let timedOut = 0;
      for (let tick = 0; timedOut === 0 && tick < 2 * ELECTION; tick++) {
        for (const r of rs) {
          r.tick();
          if (r.role === 'candidate') timedOut++;
        }
      }
      if (timedOut > 1) conflicts++;
    }
    expect(conflicts / rounds).toBeLessThanOrEqual(0.3);
  });

  it('elects exactly one leader in a healthy cluster', () => {
    // Election Safety: "at most one leader can be elected in a given term." — Figure 3
    const c = new TestCluster(['a', 'b', 'c', 'd', 'e']);
    c.tickAll(3 * ELECTION);
    const leaders = [...c.nodes.values()].filter((r) => r.role === 'leader');
    expect(leaders).toHaveLength(1);
    expect(new Set([...c.nodes.values()].map((r) => r.leader))).toEqual(new Set([leaders[0].id]));
  });
});
