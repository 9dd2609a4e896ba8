// RaftLog and Progress: the bookkeeping under the paper rules.
import { Progress } from './progress';
import { RaftLog } from './raft-log';
import { entry, logOfTerms } from './test-support';

describe('RaftLog', () => {
  it('knows terms across the snapshot boundary', () => {
    const log = new RaftLog(
      { metadata: { index: 3, term: 2, confState: { voters: [] } }, data: new Uint8Array() },
      [entry(4, 2), entry(5, 3)],
      4,
    );
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([4, 5, 3]);
    expect([log.term(2), log.term(3), log.term(5), log.term(6)]).toEqual([undefined, 2, 3, undefined]);
    expect(log.committed).toBe(4);
    expect(log.applied).toBe(3);
  });

  it('finds the fast back-off point: the last index at or below a term', () => {
    const log = new RaftLog(null, logOfTerms([1, 1, 2, 2, 4, 4]), 0);
    expect(log.findConflictByTerm(6, 3)).toBe(4);
    expect(log.findConflictByTerm(6, 1)).toBe(2);
    expect(log.findConflictByTerm(6, 0)).toBe(0);
    expect(log.findConflictByTerm(9, 5)).toBe(6);
  });

  it('hands out unstable entries again after a truncation of persisted ones', () => {
    const log = new RaftLog(null, logOfTerms([1, 1, 1]), 0);
    expect(log.unstableEntries()).toEqual([]);
    expect(log.maybeAppend(1, 1, [entry(2, 2), entry(3, 2)])).toBe(3);
    expect(log.unstableEntries().map((e) => [e.index, e.term])).toEqual([
      [2, 2],
      [3, 2],
    ]);
    log.stableTo(3, 1);
    expect(log.stableIndex).toBe(1);
    log.stableTo(3, 2);
    expect(log.unstableEntries()).toEqual([]);
  });

  it('refuses to truncate a committed entry', () => {
    const log = new RaftLog(null, logOfTerms([1, 1]), 2);
    expect(() => log.maybeAppend(1, 1, [entry(2, 3)])).toThrow(/committed/);
  });

  it('hands out committed entries in bounded batches', () => {
    const log = new RaftLog(null, logOfTerms([1, 1, 1, 1]), 4);
    expect(log.nextCommittedEntries(3).map((e) => e.index)).toEqual([1, 2, 3]);
    log.appliedTo(3);
    expect(log.nextCommittedEntries(3).map((e) => e.index)).toEqual([4]);
  });
});

describe('Progress', () => {
  it('probes one message at a time, then pipelines within the inflight window', () => {
    const pr = new Progress(5, 2);
    pr.sentEntries(5);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(5);
    pr.becomeReplicate();
    pr.sentEntries(6);
    pr.sentEntries(7);
    expect([pr.next, pr.isPaused()]).toEqual([8, true]);
    pr.maybeUpdate(6);
    expect(pr.isPaused()).toBe(false);
  });

  it('ignores stale rejections and backs off to the hint in probe state', () => {
    const pr = new Progress(10, 4);
    expect(pr.maybeDecrTo(5, 2)).toBe(false);
    expect(pr.maybeDecrTo(9, 4)).toBe(true);
    expect(pr.next).toBe(5);
  });

  it('resumes after a snapshot from the snapshot index', () => {
    const pr = new Progress(3, 4);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(21);
  });
});
