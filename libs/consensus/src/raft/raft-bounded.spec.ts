// Messages bounded in bytes and explicit snapshot progress (etcd's MaxSizePerMsg and ProgressStateSnapshot).
import { TestCluster, newRaft, takeMessages, takeReady } from './test-support';
import type { Snapshot } from './types';

const ids = ['a', 'b', 'c'];
const kib = (n: number) => new Uint8Array(n * 1024).fill(120);

describe('AppendEntries batched by bytes', () => {
  it('splits a backlog so no message carries more than maxSizePerMsg of payload', () => {
    const c = new TestCluster(ids, { maxSizePerMsg: 600 * 1024, maxInflight: 64 });
    const leader = c.elect('a');
    for (let i = 0; i < 5; i++) leader.propose(kib(250));
    const toB = takeMessages(leader).filter((m) => m.type === 'appendEntries' && m.to === 'b');
    const sizes = toB.map((m) => (m.entries ?? []).reduce((n, e) => n + e.data.length, 0));
    expect(sizes).toEqual([500 * 1024, 500 * 1024, 250 * 1024]);
    expect(toB.flatMap((m) => m.entries!.map((e) => e.index))).toEqual([2, 3, 4, 5, 6]);
  });

  it('sends a single entry larger than maxSizePerMsg alone rather than never', () => {
    const c = new TestCluster(ids, { maxSizePerMsg: 100 * 1024 });
    const leader = c.elect('a');
    leader.propose(kib(256));
    leader.propose(kib(1));
    c.stabilize();
    expect(c.get('b').log.lastIndex()).toBe(3);
    expect(leader.log.committed).toBe(3);
  });
});

describe('Snapshot progress (§7)', () => {
  const snap: Snapshot = {
    metadata: { index: 5, term: 1, confState: { voters: ids } },
    data: new Uint8Array(3),
  };
  function leaderWithCompactedLog() {
    const a = newRaft(
      'a',
      ids,
      { snapshotRetryTicks: 30 },
      { hardState: { term: 1, vote: 'a', commit: 5 }, snapshot: snap, entries: [] },
    );
    a.campaign();
    takeReady(a);
    a.step({ type: 'requestVoteResponse', from: 'b', to: 'a', term: 2 });
    takeReady(a);
    // c lags behind the snapshot: its probe is rejected down to index 0.
    a.step({
      type: 'appendEntriesResponse',
      from: 'c',
      to: 'a',
      term: 2,
      index: 5,
      reject: true,
      rejectHint: 0,
      logTerm: 0,
    });
    return a;
  }

  it('sends a snapshot once and not again on every heartbeat answer while it is in flight', () => {
    const a = leaderWithCompactedLog();
    const first = takeMessages(a).filter((m) => m.to === 'c' && m.type === 'installSnapshot');
    expect(first).toHaveLength(1);
    expect(a.status().progress.c).toMatchObject({ state: 'snapshot', pendingSnapshot: 5 });
    for (let i = 0; i < 10; i++) {
      a.tick();
      a.step({ type: 'heartbeatResponse', from: 'c', to: 'a', term: 2 });
    }
    expect(takeMessages(a).filter((m) => m.type === 'installSnapshot')).toEqual([]);
  });

  it('probes again after snapshotRetryTicks without an answer, and at once when the host reports a failed send', () => {
    const a = leaderWithCompactedLog();
    takeMessages(a);
    for (let i = 0; i < 30; i++) a.tick();
    expect(a.status().progress.c.state).not.toBe('snapshot');
    const b = leaderWithCompactedLog();
    takeMessages(b);
    b.reportSnapshot('c', true);
    expect(b.status().progress.c.state).toBe('probe');
  });
});
