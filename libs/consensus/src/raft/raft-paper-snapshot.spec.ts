// Paper tests for §7 (log compaction) and InstallSnapshot (Figure 13).
import type { Raft } from './raft';
import type { Snapshot } from './types';
import { TestCluster, entry, newRaft, raftWithLog, takeReady } from './test-support';

const ids = ['a', 'b', 'c'];
const text = (s: string) => new TextEncoder().encode(s);
const snapshotAt = (index: number, term: number, voters = ids): Snapshot => ({
  metadata: { index, term, confState: { voters } },
  data: text(`state@${index}`),
});

function appliedFollower(terms: number[]): Raft {
  const r = raftWithLog('a', ids, terms, terms[terms.length - 1]);
  r.step({ type: 'heartbeat', from: 'b', to: 'a', term: terms[terms.length - 1], commit: terms.length });
  takeReady(r);
  return r;
}

describe('§7 Log compaction', () => {
  it('a snapshot replaces the applied prefix of the log', () => {
    // "Each server takes snapshots independently, covering just the committed entries in its log ... the
    // server can delete all log entries up through the last included index." — §7
    const r = appliedFollower([1, 1, 2, 2]);
    const res = r.compact(3, text('state@3'));
    expect(res.ok && res.value.metadata).toEqual({ index: 3, term: 2, confState: { voters: ids } });
    expect(r.log.firstIndex()).toBe(4);
    expect(r.log.term(3)).toBe(2);
    expect(r.log.term(2)).toBeUndefined();
  });

  it('refuses to compact past the applied index or below the last snapshot', () => {
    const r = appliedFollower([1, 1]);
    const ahead = r.compact(5, text(''));
    expect(!ahead.ok && ahead.error.code).toBe('UNAVAILABLE');
    r.compact(2, text(''));
    const behind = r.compact(1, text(''));
    expect(!behind.ok && behind.error.code).toBe('COMPACTED');
  });

  it('the leader sends InstallSnapshot to a follower that needs compacted entries', () => {
    // "The leader uses a new RPC called InstallSnapshot to send snapshots to followers that are too far
    // behind." — §7
    const c = new TestCluster(ids);
    c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 5; i++) c.get('a').propose(text(`v${i}`));
    c.stabilize();
    const leader = c.get('a');
    leader.compact(leader.log.applied, text('leader-state'));
    c.heal();
    leader.propose(text('after'));
    c.delivered = [];
    c.stabilize();
    const sent = c.delivered.filter((m) => m.type === 'installSnapshot');
    expect(sent.map((m) => [m.to, m.snapshot?.metadata.index])).toEqual([['c', 6]]);
    const follower = c.get('c');
    expect(follower.log.snapshotIndex).toBe(6);
    expect(new TextDecoder().decode(follower.latestSnapshot?.data)).toBe('leader-state');
    expect(follower.log.lastIndex()).toBe(leader.log.lastIndex());
    expect(c.get('c').log.committed).toBe(leader.log.committed);
  });

  it('a follower discards its whole log when the snapshot does not match it', () => {
    // "If ... the snapshot contains new information not already in the recipient's log ... the follower
    // discards its entire log; it is all superseded by the snapshot." — §7 (Figure 13 step 7)
    const r = raftWithLog('a', ids, [1, 1, 2], 2);
    r.step({ type: 'installSnapshot', from: 'b', to: 'a', term: 3, snapshot: snapshotAt(5, 3) });
    const rd = takeReady(r);
    expect(rd.snapshot?.metadata.index).toBe(5);
    expect(r.log.lastIndex()).toBe(5);
    expect(r.log.firstIndex()).toBe(6);
    expect(rd.messages).toEqual([{ type: 'appendEntriesResponse', from: 'a', to: 'b', term: 3, index: 5 }]);
  });

  it('a follower that already holds the snapshot last entry keeps the entries after it', () => {
    // "If instead the follower receives a snapshot that describes a prefix of its log ... then log entries
    // covered by the snapshot are deleted but entries following the snapshot are still valid and must be
    // retained." — §7 (Figure 13 step 6)
    const r = raftWithLog('a', ids, [1, 1, 2, 2], 2);
    r.step({ type: 'installSnapshot', from: 'b', to: 'a', term: 2, snapshot: snapshotAt(3, 2) });
    const rd = takeReady(r);
    expect(rd.snapshot).toBeUndefined();
    expect(r.log.committed).toBe(3);
    expect(r.log.lastIndex()).toBe(4);
  });

  it('a snapshot older than the commit index is ignored', () => {
    const r = appliedFollower([1, 1, 1]);
    r.step({ type: 'installSnapshot', from: 'b', to: 'a', term: 1, snapshot: snapshotAt(2, 1) });
    const rd = takeReady(r);
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages[0]).toMatchObject({ type: 'appendEntriesResponse', index: 3 });
  });

  it('a replica restarts from its snapshot, the entries after it and its hard state', () => {
    const r = newRaft(
      'a',
      ['x'],
      {},
      {
        hardState: { term: 4, vote: 'b', commit: 6 },
        snapshot: snapshotAt(5, 3),
        entries: [entry(6, 4), entry(7, 4)],
      },
    );
    expect(r.status()).toMatchObject({
      term: 4,
      vote: 'b',
      commitIndex: 6,
      appliedIndex: 5,
      firstLogIndex: 6,
      lastLogIndex: 7,
      voters: ids,
    });
    expect(takeReady(r).committedEntries.map((e) => e.index)).toEqual([6]);
  });

  it('a snapshot carries the configuration in force at its index', () => {
    const c = new TestCluster(ids);
    c.elect('a');
    c.get('a').proposeConfChange({ type: 'removeNode', nodeId: 'c' });
    c.stabilize();
    const leader = c.get('a');
    const snap = leader.compact(leader.log.applied, text('s'));
    expect(snap.ok && snap.value.metadata.confState.voters).toEqual(['a', 'b']);
  });
});
