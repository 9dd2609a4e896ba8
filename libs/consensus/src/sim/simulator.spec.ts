// The simulator passes healthy seeds, replays exactly, and catches the deliberate commit and vote bugs.
import { runSimulation } from './simulator';
import type { SimResult } from './types';
import type { TestingBugs } from '../raft/types';

const SAFETY = [
  'ElectionSafety',
  'LogMatching',
  'LeaderCompleteness',
  'StateMachineSafety',
  'Linearizability',
];

function firstFailure(first: number, count: number, bugs?: TestingBugs, nodes?: number): SimResult | null {
  for (let seed = first; seed < first + count; seed++) {
    const r = runSimulation({ seed, bugs, nodes });
    if (!r.ok) return r;
  }
  return null;
}

describe('Deterministic simulation', () => {
  it('finds no violation in healthy seeds, of 3 and 5 replicas', () => {
    const failures: string[] = [];
    let committed = 0;
    for (let seed = 1; seed <= 250; seed++) {
      const r = runSimulation({ seed });
      committed += r.stats.committed;
      if (!r.ok) failures.push(`seed ${seed}: ${r.violation?.message}`);
    }
    expect(failures).toEqual([]);
    expect(committed).toBeGreaterThan(250 * 5);
  });

  it('replays a seed exactly', () => {
    const a = runSimulation({ seed: 11, trace: true });
    const b = runSimulation({ seed: 11, trace: true });
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
    expect(a.trace.length).toBeGreaterThan(5);
  });

  it('catches a vote rule without the up-to-date check (§5.4.1)', () => {
    const failure = firstFailure(1, 300, { voteRule: true });
    expect(failure).not.toBeNull();
    expect(SAFETY).toContain(failure?.violation?.invariant);
    const replay = runSimulation({ seed: failure?.seed as number, bugs: { voteRule: true } });
    expect(replay.violation).toEqual(failure?.violation);
  });

  it('catches a commit rule that counts replicas of previous-term entries (§5.4.2, Figure 8)', () => {
    const failure = firstFailure(1, 600, { commitRule: true }, 3);
    expect(failure).not.toBeNull();
    expect(SAFETY).toContain(failure?.violation?.invariant);
    const replay = runSimulation({ seed: failure?.seed as number, bugs: { commitRule: true }, nodes: 3 });
    expect(replay.violation).toEqual(failure?.violation);
  });

  it('catches reads served from local state without ReadIndex as non-linearizable (§8)', () => {
    let failure: SimResult | null = null;
    for (let seed = 1; seed <= 300 && !failure; seed++) {
      const r = runSimulation({ seed, staleReads: true });
      if (!r.ok) failure = r;
    }
    expect(failure?.violation?.invariant).toBe('Linearizability');
  });
});
