// Paper tests for §8 (client interaction): no-op on election, redirection, ReadIndex reads (thesis §6.4).
import { TestCluster, newRaft, takeMessages, takeReady } from './test-support';

const ids = ['a', 'b', 'c'];
const text = (s: string) => new TextEncoder().encode(s);

describe('§8 Client interaction', () => {
  it('a new leader appends a blank no-op entry of its term', () => {
    // "Raft handles this by having each leader commit a blank no-op entry into the log at the start of its
    // term." — §8
    const r = newRaft('a', ids);
    r.becomeCandidate();
    r.becomeLeader();
    const rd = takeReady(r);
    expect(rd.entries).toEqual([{ index: 1, term: 1, type: 'normal', data: new Uint8Array(0) }]);
  });

  it('a follower refuses a proposal and names the leader it knows', () => {
    // "If the client's first choice is not the leader, that server will reject the client's request and
    // supply information about the most recent leader it has heard from." — §8
    const c = new TestCluster(ids);
    c.elect('a');
    const res = c.get('b').propose(text('x'));
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error.code).toBe('NOT_LEADER');
    expect(!res.ok && res.error.details.leader).toBe('a');
  });

  it('a leader defers a read until it has committed an entry of its term', () => {
    // "A leader must have the latest information on which entries are committed ... Raft handles this by
    // having each leader commit a blank no-op entry into the log at the start of its term." — §8
    const r = newRaft('a', ids);
    r.becomeCandidate();
    r.becomeLeader();
    takeReady(r);
    r.readIndex('ctx');
    expect(takeReady(r).readStates).toEqual([]);
    r.step({ type: 'appendEntriesResponse', from: 'b', to: 'a', term: 1, index: 1 });
    const heartbeats = takeMessages(r).filter((m) => m.type === 'heartbeat');
    expect(heartbeats.map((m) => [m.to, m.context])).toEqual([
      ['b', 'ctx'],
      ['c', 'ctx'],
    ]);
  });

  it('a leader answers a read after a majority acknowledges a heartbeat, at the commit index of the request', () => {
    // "A leader must check whether it has been deposed before processing a read-only request ... by having the
    // leader exchange heartbeat messages with a majority of the cluster before responding." — §8
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    c.get('a').propose(text('x'));
    c.stabilize();
    c.isolate('c');
    expect(leader.readIndex('r1').ok).toBe(true);
    const hb = takeMessages(leader).filter((m) => m.type === 'heartbeat');
    expect(hb.every((m) => m.context === 'r1')).toBe(true);
    leader.step({ type: 'heartbeatResponse', from: 'b', to: 'a', term: 1, context: 'r1' });
    expect(takeReady(leader).readStates).toEqual([{ index: 2, context: 'r1' }]);
  });

  it('a leader cut off from the majority never answers the read', () => {
    // A deposed leader could otherwise serve stale data. — §8
    const c = new TestCluster(ids);
    const leader = c.elect('a');
    c.isolate('a');
    leader.readIndex('r1');
    c.stabilize();
    c.tickAll(3);
    expect(takeReady(leader).readStates).toEqual([]);
  });

  it('a follower forwards the read to the leader and gets the read index back', () => {
    // Thesis §6.4: "followers could also help offload the processing of read-only queries" by asking the leader
    // for the current readIndex.
    const c = new TestCluster(ids);
    c.elect('a');
    c.get('a').propose(text('x'));
    c.stabilize();
    const follower = c.get('b');
    let states: { index: number; context: string }[] = [];
    const orig = follower.ready.bind(follower);
    follower.ready = () => {
      const rd = orig();
      states = states.concat(rd.readStates);
      return rd;
    };
    expect(follower.readIndex('f1').ok).toBe(true);
    c.stabilize();
    expect(states).toEqual([{ index: 2, context: 'f1' }]);
  });

  it('a replica that knows no leader refuses the read', () => {
    const r = newRaft('a', ids);
    const res = r.readIndex('x');
    expect(!res.ok && res.error.code).toBe('NOT_LEADER');
  });
});
