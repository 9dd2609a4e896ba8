// Pre-vote, check-quorum, batching, pipelining and the Ready contract.
import { Prng } from '../sim/prng';
import type { Message } from './types';
import { ELECTION, TestCluster, newRaft, takeMessages, takeReady } from './test-support';

const ids = ['a', 'b', 'c'];
const text = (s: string) => new TextEncoder().encode(s);

describe('Pre-vote (thesis §9.6)', () => {
  it('a partitioned node rejoining does not disrupt the leader: its term stays put', () => {
    // "A candidate would first ask other servers whether its log was up-to-date enough to get their vote ...
    // the pre-vote phase does not increment its term." — thesis §9.6
    const c = new TestCluster(ids, { preVote: true });
    c.elect('a');
    c.isolate('c');
    c.tickAll(5 * ELECTION);
    expect(c.get('c').term).toBe(1);
    c.heal();
    c.tickAll(2 * ELECTION);
    expect(c.get('a').role).toBe('leader');
    expect(c.get('a').term).toBe(1);
  });

  it('a pre-candidate asks for votes at term + 1 without changing its term or vote', () => {
    const r = newRaft('a', ids, { preVote: true });
    r.campaign();
    expect(r.role).toBe('preCandidate');
    expect(r.term).toBe(0);
    expect(takeMessages(r).map((m) => [m.type, m.term])).toEqual([
      ['requestPreVote', 1],
      ['requestPreVote', 1],
    ]);
    r.step({ type: 'requestPreVoteResponse', from: 'b', to: 'a', term: 1, reject: false });
    expect(r.role).toBe('candidate');
    expect(r.term).toBe(1);
  });

  it('a pre-vote grant does not bind the voter', () => {
    const r = newRaft('a', ids, { preVote: true });
    r.step({ type: 'requestPreVote', from: 'b', to: 'a', term: 1, index: 0, logTerm: 0 });
    expect(takeMessages(r)[0]).toMatchObject({ type: 'requestPreVoteResponse', reject: false, term: 1 });
    expect(r.term).toBe(0);
    expect(r.vote).toBeNull();
  });
});

describe('Check-quorum (thesis §6.2)', () => {
  it('a leader that hears from no majority for an election timeout steps down', () => {
    // "A leader steps down if an election timeout elapses without a successful round of heartbeats to a
    // majority of its cluster." — thesis §6.2
    const c = new TestCluster(ids, { checkQuorum: true });
    const leader = c.elect('a');
    c.isolate('a');
    for (let i = 0; i < 2 * ELECTION + 1; i++) leader.tick();
    expect(leader.role).toBe('follower');
  });

  it('a leader that hears from a majority stays', () => {
    const c = new TestCluster(ids, { checkQuorum: true });
    c.elect('a');
    c.tickAll(3 * ELECTION);
    expect(c.get('a').role).toBe('leader');
    expect(c.get('a').term).toBe(1);
  });

  it('a follower within its leader lease ignores a vote request of a higher term', () => {
    // "If a server receives a RequestVote request within the minimum election timeout of hearing from a
    // current leader, it does not update its term or grant its vote." — thesis §4.2.3
    const c = new TestCluster(ids, { checkQuorum: true });
    c.elect('a');
    const b = c.get('b');
    b.step({ type: 'requestVote', from: 'c', to: 'b', term: 5, index: 10, logTerm: 5 });
    expect(b.term).toBe(1);
    expect(takeMessages(b)).toEqual([]);
  });
});

describe('Batching and pipelining', () => {
  it('proposals made between two Ready calls travel in one AppendEntries per follower', () => {
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    for (let i = 0; i < 5; i++) leader.propose(text(`p${i}`));
    const appends = takeMessages(leader).filter((m) => m.type === 'appendEntries');
    expect(appends.map((m) => [m.to, m.entries?.length])).toEqual([
      ['b', 5],
      ['c', 5],
    ]);
  });

  it('proposeBatch appends consecutive entries of the current term', () => {
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    const res = leader.proposeBatch([text('x'), text('y'), text('z')]);
    expect(res.ok && res.value).toEqual({ firstIndex: 2, lastIndex: 4, term: 1 });
  });

  it('a follower in replicate state gets up to maxInflight messages before any answer', () => {
    const c = new TestCluster(ids, { maxEntriesPerMessage: 1, maxInflight: 3 });
    const leader = c.elect('a');
    for (let i = 0; i < 5; i++) leader.propose(text(`p${i}`));
    const toB = takeMessages(leader).filter((m) => m.type === 'appendEntries' && m.to === 'b');
    expect(toB.map((m) => m.entries?.map((e) => e.index))).toEqual([[2], [3], [4]]);
    leader.step({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 1, index: 3 });
    const more = takeMessages(leader).filter((m) => m.type === 'appendEntries' && m.to === 'b');
    expect(more.map((m) => m.entries?.map((e) => e.index))).toEqual([[5], [6]]);
  });

  it('a lost append in a full window is recovered after a heartbeat answer', () => {
    const c = new TestCluster(ids, { maxEntriesPerMessage: 1, maxInflight: 1 });
    const leader = c.elect('a');
    leader.propose(text('lost'));
    takeMessages(leader);
    leader.propose(text('queued'));
    expect(takeMessages(leader).filter((m) => m.to === 'b' && m.type === 'appendEntries')).toEqual([]);
    leader.tick();
    takeMessages(leader);
    leader.step({ type: 'heartbeatResponse', from: 'b', to: 'a', term: 1 });
    c.stabilize();
    expect(c.get('b').log.lastIndex()).toBe(3);
  });
});

describe('ReadIndex batching (thesis §6.4)', () => {
  it('one heartbeat round serves every read queued before the Ready, and a majority ack releases them all', () => {
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    c.tickAll(1);
    for (const ctx of ['r1', 'r2', 'r3']) expect(leader.readIndex(ctx).ok).toBe(true);
    const beats = takeMessages(leader).filter((m) => m.type === 'heartbeat');
    expect(beats.map((m) => [m.to, m.context])).toEqual([
      ['b', 'r3'],
      ['c', 'r3'],
    ]);
    leader.step({ type: 'heartbeatResponse', from: 'b', to: 'a', term: 1, context: 'r3' });
    const rd = takeReady(leader);
    expect(rd.readStates.map((r) => r.context)).toEqual(['r1', 'r2', 'r3']);
    expect(rd.messages.filter((m) => m.type === 'heartbeat')).toEqual([]);
  });
});

describe('The Ready contract', () => {
  it('hands out hard state, entries and messages once, and asks for a durable write', () => {
    const r = newRaft('a', ids);
    r.campaign();
    const rd = r.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 'a', commit: 0 });
    expect(rd.mustSync).toBe(true);
    expect(rd.softState).toEqual({ leader: null, role: 'candidate' });
    expect(rd.messages.map((m: Message) => m.type)).toEqual(['requestVote', 'requestVote']);
    r.advance(rd);
    expect(r.hasReady()).toBe(false);
  });

  it('refuses a second ready() before advance()', () => {
    const r = newRaft('a', ids);
    r.campaign();
    r.ready();
    expect(() => r.ready()).toThrow(/advance/);
  });

  it('keeps unpersisted entries in the next Ready until they are advanced', () => {
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    leader.propose(text('x'));
    const first = leader.ready();
    expect(first.entries.map((e) => e.index)).toEqual([2]);
    leader.advance({ ...first, entries: [] });
    leader.propose(text('y'));
    expect(takeReady(leader).entries.map((e) => e.index)).toEqual([2, 3]);
  });

  it('takes its randomness only from the random source it is given', () => {
    const run = () => {
      const r = newRaft('a', ids, { random: new Prng(42) });
      let ticks = 0;
      while (r.role === 'follower' && ticks < 100) {
        r.tick();
        ticks++;
      }
      return ticks;
    };
    expect(run()).toBe(run());
  });
});
