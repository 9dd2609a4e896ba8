// Paper tests for §6 (cluster membership changes, single-server form from the thesis §4.1) and leadership transfer.
import { TestCluster, newRaft, takeReady } from './test-support';

const text = (s: string) => new TextEncoder().encode(s);

function clusterWithLeader(ids: string[]) {
  const c = new TestCluster(ids);
  c.elect(ids[0]);
  return c;
}

describe('§6 Cluster membership changes', () => {
  it('adds a server: the new voter counts from its entry on and the leader replicates to it', () => {
    // "The cluster configuration is stored and communicated using special entries in the replicated log" and
    // single-server changes go "one server at a time" so majorities of old and new overlap. — §6, thesis §4.1
    const c = clusterWithLeader(['a', 'b', 'c']);
    // A joining server starts from the configuration it is told (like etcd's "existing" cluster state).
    c.nodes.set('d', newRaft('d', ['a', 'b', 'c']));
    c.applied.set('d', []);
    const leader = c.get('a');
    const r = leader.proposeConfChange({ type: 'addNode', nodeId: 'd' });
    expect(r.ok).toBe(true);
    c.stabilize();
    expect(leader.status().voters).toEqual(['a', 'b', 'c', 'd']);
    expect(c.get('d').status().voters).toEqual(['a', 'b', 'c', 'd']);
    expect(leader.progress.get('d')?.match).toBe(leader.log.lastIndex());
    expect(leader.quorum()).toBe(3);
  });

  it('removes a server: the smaller majority commits entries that the old one could not', () => {
    // Removing a server shrinks the majority once the change commits. — thesis §4.1
    const c = clusterWithLeader(['a', 'b', 'c', 'd']);
    const leader = c.get('a');
    expect(leader.proposeConfChange({ type: 'removeNode', nodeId: 'd' }).ok).toBe(true);
    c.stabilize();
    c.isolate('c');
    c.isolate('d');
    leader.propose(text('needs a and b only'));
    c.stabilize();
    expect(leader.status().voters).toEqual(['a', 'b', 'c']);
    expect(leader.log.committed).toBe(leader.log.lastIndex());
  });

  it('allows only one pending membership change at a time', () => {
    // "The leader ... must wait for the previous change to complete before starting the next." — thesis §4.1
    const c = clusterWithLeader(['a', 'b', 'c']);
    const leader = c.get('a');
    c.isolate('b');
    c.isolate('c');
    expect(leader.proposeConfChange({ type: 'addNode', nodeId: 'd' }).ok).toBe(true);
    const second = leader.proposeConfChange({ type: 'addNode', nodeId: 'e' });
    expect(second.ok).toBe(false);
    expect(!second.ok && second.error.code).toBe('CONF_CHANGE_PENDING');
  });

  it('refuses a membership change until the new leader has committed an entry of its term', () => {
    // A leader must commit an entry in its own term before changing membership (the fix to the
    // single-server change bug published on raft-dev, thesis errata).
    const r = newRaft('a', ['a', 'b', 'c']);
    r.becomeCandidate();
    r.becomeLeader();
    takeReady(r);
    const res = r.proposeConfChange({ type: 'addNode', nodeId: 'd' });
    expect(!res.ok && res.error.code).toBe('CONF_CHANGE_PENDING');
  });

  it('rejects changes that are not a single valid step', () => {
    const c = clusterWithLeader(['a', 'b', 'c']);
    const leader = c.get('a');
    const add = leader.proposeConfChange({ type: 'addNode', nodeId: 'b' });
    const remove = leader.proposeConfChange({ type: 'removeNode', nodeId: 'z' });
    expect(!add.ok && add.error.code).toBe('INVALID_CONF_CHANGE');
    expect(!remove.ok && remove.error.details.nodeId).toBe('z');
  });

  it('a leader that removes itself steps down once the change commits', () => {
    // "The leader ... steps down once the Cnew entry is committed." — §6 / thesis §4.2.2
    const c = clusterWithLeader(['a', 'b', 'c']);
    const leader = c.get('a');
    leader.proposeConfChange({ type: 'removeNode', nodeId: 'a' });
    c.stabilize();
    expect(leader.role).toBe('follower');
    expect(leader.promotable()).toBe(false);
    c.tickAll(30);
    const newLeader = ['b', 'c'].map((id) => c.get(id)).find((r) => r.role === 'leader');
    expect(newLeader?.status().voters).toEqual(['b', 'c']);
  });

  it('a server restarted from its log recovers the configuration of committed changes', () => {
    const c = clusterWithLeader(['a', 'b', 'c']);
    c.get('a').proposeConfChange({ type: 'removeNode', nodeId: 'c' });
    c.stabilize();
    const b = c.get('b');
    const persisted = {
      hardState: b.hardState(),
      snapshot: null,
      entries: b.log.slice(1, b.log.lastIndex() + 1) ?? [],
    };
    const restarted = newRaft('b', ['a', 'b', 'c'], {}, persisted);
    expect(restarted.status().voters).toEqual(['a', 'b']);
  });

  it('uses the latest configuration in its log even before it commits, also after a restart', () => {
    // "A server always uses the latest configuration in its log, regardless of whether the entry is
    // committed." — thesis §4.1. So no order of writing entries and hard state can pair a new log with an
    // old configuration.
    const c = clusterWithLeader(['a', 'b', 'c']);
    c.isolate('c');
    const leader = c.get('a');
    leader.proposeConfChange({ type: 'addNode', nodeId: 'd' });
    expect(leader.status().voters).toEqual(['a', 'b', 'c', 'd']);
    const b = c.get('b');
    // b holds the entry but its commit index has not moved past it (the hard state lags the entries).
    for (const m of takeReady(leader).messages) if (m.to === 'b') b.step(m);
    expect(b.log.committed).toBeLessThan(b.log.lastIndex());
    expect(b.status().voters).toEqual(['a', 'b', 'c', 'd']);
    const restarted = newRaft(
      'b',
      ['a', 'b', 'c'],
      {},
      {
        hardState: { term: b.term, vote: b.vote, commit: 1 },
        snapshot: null,
        entries: b.log.slice(1, b.log.lastIndex() + 1) ?? [],
      },
    );
    expect(restarted.status().voters).toEqual(['a', 'b', 'c', 'd']);
  });

  it('falls back to the previous configuration when the entry that changed it is overwritten', () => {
    // "... if the log entry is removed (as can happen with log truncation), the server falls back to the
    // previous configuration in its log." — thesis §4.1 (footnote on reverting configurations)
    const r = newRaft('b', ['a', 'b', 'c']);
    r.step({
      type: 'appendEntries',
      from: 'a',
      to: 'b',
      term: 1,
      index: 0,
      logTerm: 0,
      commit: 0,
      entries: [
        {
          index: 1,
          term: 1,
          type: 'confChange',
          data: new TextEncoder().encode('{"type":"addNode","nodeId":"d"}'),
        },
      ],
    });
    expect(r.status().voters).toEqual(['a', 'b', 'c', 'd']);
    r.step({
      type: 'appendEntries',
      from: 'c',
      to: 'b',
      term: 2,
      index: 0,
      logTerm: 0,
      commit: 0,
      entries: [{ index: 1, term: 2, type: 'normal', data: new Uint8Array(0) }],
    });
    expect(r.status().voters).toEqual(['a', 'b', 'c']);
  });
});

describe('Leadership transfer (thesis §3.10)', () => {
  it('an up-to-date target gets TimeoutNow and wins the next term at once', () => {
    // "The prior leader sends a TimeoutNow request to the target server ... the target server starts a new
    // election, skipping its election timeout." — thesis §3.10
    const c = clusterWithLeader(['a', 'b', 'c']);
    expect(c.get('a').transferLeadership('c').ok).toBe(true);
    c.stabilize();
    expect(c.get('c').role).toBe('leader');
    expect(c.get('c').term).toBe(2);
    expect(c.get('a').role).toBe('follower');
  });

  it('a lagging target is caught up first, then told to time out', () => {
    // "The prior leader ... brings the target server's log up to date." — thesis §3.10
    const c = clusterWithLeader(['a', 'b', 'c']);
    c.isolate('c');
    c.get('a').propose(text('x'));
    c.stabilize();
    c.heal();
    c.get('a').transferLeadership('c');
    c.stabilize();
    expect(c.get('c').role).toBe('leader');
    expect(c.get('c').log.lastIndex()).toBeGreaterThanOrEqual(3);
  });

  it('the leader refuses proposals while a transfer is under way', () => {
    // "During this time, the leader stops accepting new client requests." — thesis §3.10
    const c = clusterWithLeader(['a', 'b', 'c']);
    c.isolate('c');
    c.get('a').transferLeadership('c');
    const r = c.get('a').propose(text('x'));
    expect(!r.ok && r.error.code).toBe('TRANSFER_IN_PROGRESS');
  });

  it('a transfer that does not finish within an election timeout is abandoned', () => {
    // "If the transfer does not complete after about one election timeout, the prior leader aborts the
    // transfer and resumes accepting client requests." — thesis §3.10
    const c = clusterWithLeader(['a', 'b', 'c']);
    c.isolate('c');
    c.get('a').transferLeadership('c');
    for (let i = 0; i < 10; i++) c.get('a').tick();
    expect(c.get('a').propose(text('x')).ok).toBe(true);
  });

  it('refuses to transfer to itself or to a non-voter', () => {
    const c = clusterWithLeader(['a', 'b', 'c']);
    const self = c.get('a').transferLeadership('a');
    const stranger = c.get('a').transferLeadership('z');
    expect(!self.ok && self.error.code).toBe('INVALID_TRANSFER');
    expect(!stranger.ok && stranger.error.code).toBe('INVALID_TRANSFER');
  });
});
