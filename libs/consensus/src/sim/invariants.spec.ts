// The safety checker itself: each invariant fires on a hand-made violation and stays quiet otherwise.
import type { Entry } from '../raft/types';
import { InvariantViolation, SafetyChecker, type LogView } from './invariants';

const e = (index: number, term: number, text = ''): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(text),
});
const view = (terms: number[], snapshotIndex = 0): LogView => ({
  term: (i) => (i === 0 ? 0 : terms[i - 1]),
  snapshotIndex: () => snapshotIndex,
  lastIndex: () => terms.length,
});

function violation(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvariantViolation) return err.invariant;
    throw err;
  }
  return undefined;
}

describe('SafetyChecker', () => {
  it('Election Safety: two leaders in one term', () => {
    const c = new SafetyChecker();
    c.onLeader('a', 1, view([]));
    expect(violation(() => c.onLeader('a', 1, view([])))).toBeUndefined();
    expect(violation(() => c.onLeader('b', 1, view([])))).toBe('ElectionSafety');
  });

  it('Log Matching: the same index and term with different contents or predecessors', () => {
    const c = new SafetyChecker();
    c.onPersist('a', [e(1, 1, 'x'), e(2, 2, 'y')], view([1, 2]));
    expect(violation(() => c.onPersist('b', [e(2, 2, 'y')], view([1, 2])))).toBeUndefined();
    expect(violation(() => c.onPersist('c', [e(2, 2, 'z')], view([1, 2])))).toBe('LogMatching');
    expect(violation(() => c.onPersist('d', [e(2, 2, 'y')], view([3, 2])))).toBe('LogMatching');
  });

  it('Log Matching: pairwise comparison of logs that agree at an index but differ before it', () => {
    const c = new SafetyChecker();
    expect(
      violation(() =>
        c.checkLogsMatch([
          ['a', view([1, 1, 2])],
          ['b', view([1, 1, 2, 3])],
        ]),
      ),
    ).toBeUndefined();
    expect(
      violation(() =>
        c.checkLogsMatch([
          ['a', view([1, 1, 2])],
          ['b', view([1, 2, 2])],
        ]),
      ),
    ).toBe('LogMatching');
  });

  it('Leader Completeness: a later leader without a committed entry', () => {
    const c = new SafetyChecker();
    c.onCommit('a', 1, 2, 1, view([1, 1]), []);
    expect(violation(() => c.onLeader('b', 2, view([1, 1, 2])))).toBeUndefined();
    expect(violation(() => c.onLeader('c', 3, view([1, 3])))).toBe('LeaderCompleteness');
  });

  it('Leader Completeness: an entry committed while a later leader lacking it is in office', () => {
    const c = new SafetyChecker();
    expect(violation(() => c.onCommit('a', 1, 1, 1, view([1]), [['b', 2, view([2])]]))).toBe(
      'LeaderCompleteness',
    );
  });

  it('State Machine Safety: two entries applied at one index, or a committed index changing term', () => {
    const c = new SafetyChecker();
    c.onApply('a', e(1, 1, 'x'));
    expect(violation(() => c.onApply('b', e(1, 1, 'x')))).toBeUndefined();
    expect(violation(() => c.onApply('b', e(1, 1, 'y')))).toBe('StateMachineSafety');
    c.onCommit('a', 1, 1, 1, view([1]), []);
    expect(violation(() => c.onCommit('b', 1, 1, 2, view([2]), []))).toBe('StateMachineSafety');
  });
});
