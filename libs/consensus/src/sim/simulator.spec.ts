// The simulator passes healthy seeds, replays exactly, and catches the deliberate commit, vote and read bugs.
import type { TestingBugs } from '../raft/types';
import { runSimulation } from './simulator';
import type { SimOptions, SimResult } from './types';

const SAFETY = [
  'ElectionSafety',
  'LogMatching',
  'LeaderCompleteness',
  'StateMachineSafety',
  'Linearizability',
  'CoreAssertion',
];

function failures(first: number, count: number, options: Omit<SimOptions, 'seed'>): SimResult[] {
  const failed: SimResult[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const r = runSimulation({ seed, ...options });
    if (!r.ok) failed.push(r);
  }
  return failed;
}

function expectCaught(found: SimResult[], options: Omit<SimOptions, 'seed'>, invariants: string[]): void {
  expect(found.length).toBeGreaterThan(0);
  for (const f of found) expect(invariants).toContain(f.violation?.invariant);
  const replay = runSimulation({ seed: found[0].seed, ...options });
  expect(replay.violation).toEqual(found[0].violation);
}

describe('Deterministic simulation', () => {
  it('finds no violation in 250 healthy seeds of 3 and 5 replicas, and makes progress', () => {
    let committed = 0;
    const failed: string[] = [];
    for (let seed = 1; seed <= 250; seed++) {
      const r = runSimulation({ seed });
      committed += r.stats.committed;
      if (!r.ok) failed.push(`seed ${seed}: ${r.violation?.message}`);
    }
    expect(failed).toEqual([]);
    expect(committed / 250).toBeGreaterThan(10);
  });

  it('replays a seed exactly', () => {
    const a = runSimulation({ seed: 11, trace: true });
    const b = runSimulation({ seed: 11, trace: true });
    expect(b.trace).toEqual(a.trace);
    expect(b.stats).toEqual(a.stats);
    expect(a.trace.length).toBeGreaterThan(5);
  });

  it('catches a vote rule without the up-to-date check (§5.4.1)', () => {
    const options = { bugs: { voteRule: true } as TestingBugs };
    expectCaught(failures(1, 100, options), options, SAFETY);
  });

  it('catches a commit rule that counts replicas of previous-term entries (§5.4.2, Figure 8)', () => {
    const options = { bugs: { commitRule: true } as TestingBugs, nodes: 3 };
    expectCaught(failures(1, 250, options), options, SAFETY);
  });

  it('catches reads answered from local state without ReadIndex as non-linearizable (§8)', () => {
    const options = { staleReads: true };
    expectCaught(failures(1, 100, options), options, ['Linearizability']);
  });

  it('catches retried writes applied twice when client sessions are ignored (thesis §6.3)', () => {
    const options = { noSessions: true };
    expectCaught(failures(1, 50, options), options, ['Linearizability']);
  });
});
