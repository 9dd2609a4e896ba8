import { CatchUpCompactor } from './compaction';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('compaction with a catch-up window (thesis §5.1.3: a lagging follower is caught up from the log)', () => {
  it('captures the state when due and cuts the log only catchUpEntries later, at the captured index', () => {
    const c = new CatchUpCompactor({ snapshotEvery: 10, catchUpEntries: 5 });
    const captures: number[] = [];
    const capture = (applied: number) => () => (captures.push(applied), bytes(`state@${applied}`));
    expect(c.afterApply(9, 0, capture(9))).toBeNull();
    expect(c.afterApply(10, 0, capture(10))).toBeNull();
    expect(captures).toEqual([10]);
    expect(c.afterApply(14, 0, capture(14))).toBeNull();
    const due = c.afterApply(15, 0, capture(15));
    expect(due).toEqual({ index: 10, data: bytes('state@10') });
    // The log now keeps 11..15: five entries behind the applied index.
    expect(captures).toEqual([10]);
  });

  it('with no window compacts at the applied index at once', () => {
    const c = new CatchUpCompactor({ snapshotEvery: 3, catchUpEntries: 0 });
    expect(c.afterApply(3, 0, () => bytes('s3'))).toEqual({ index: 3, data: bytes('s3') });
  });

  it('drops a capture that a snapshot from the leader overtook', () => {
    const c = new CatchUpCompactor({ snapshotEvery: 10, catchUpEntries: 100 });
    expect(c.afterApply(10, 0, () => bytes('s10'))).toBeNull();
    // A snapshot at 50 arrived: the capture at 10 is stale and a new one is taken when due again.
    expect(c.afterApply(55, 50, () => bytes('s55'))).toBeNull();
    expect(c.afterApply(60, 50, () => bytes('s60'))).toBeNull();
    expect(c.afterApply(160, 50, () => bytes('s160'))).toEqual({ index: 60, data: bytes('s60') });
  });
});
