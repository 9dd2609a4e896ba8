import fc from 'fast-check';
import { analyzeDependencies } from '@ossa/conflict';
import { arbitraryInput, keptEdges, NOW, shuffled, task } from '../test/fixtures';
import type { ConflictInput } from './types';

// Hillier & Lieberman, Introduction to Operations Research (9th ed.), §22.2–22.4, Table 22.1: the Reliable
// Construction Co. project. Durations in weeks (the core is unit-agnostic; it reads numbers).
// Published answer: critical path START→A→B→C→E→F→J→L→N→FINISH, project duration 44 weeks;
// slack D 4, G 4, H 4, I 2, K 1, M 4, every other activity 0.
const RELIABLE: Array<[string, number, string[]]> = [
  ['A', 2, []],
  ['B', 4, ['A']],
  ['C', 10, ['B']],
  ['D', 6, ['C']],
  ['E', 4, ['C']],
  ['F', 5, ['E']],
  ['G', 7, ['D']],
  ['H', 9, ['E', 'G']],
  ['I', 7, ['C']],
  ['J', 8, ['F', 'I']],
  ['K', 4, ['J']],
  ['L', 5, ['J']],
  ['M', 2, ['H']],
  ['N', 6, ['K', 'L']],
];
const reliable: ConflictInput = {
  tasks: RELIABLE.map(([id, weeks, deps]) => task(id, 'medium', deps, weeks)),
};

describe('critical path method', () => {
  it('reproduces the Reliable Construction critical path, duration and slacks', () => {
    const analysis = analyzeDependencies(reliable, { now: NOW });
    expect(analysis.criticalPath).toEqual(['A', 'B', 'C', 'E', 'F', 'J', 'L', 'N']);
    expect(analysis.makespan).toBe(44);
    const slack = Object.fromEntries(analysis.schedule.map((s) => [s.id, s.slack]));
    expect(slack).toEqual({
      A: 0,
      B: 0,
      C: 0,
      D: 4,
      E: 0,
      F: 0,
      G: 4,
      H: 4,
      I: 2,
      J: 0,
      K: 1,
      L: 0,
      M: 4,
      N: 0,
    });
  });

  it('reproduces the earliest and latest times of activity H', () => {
    // Same source, forward and backward passes: H waits for E (EF 20) and G (EF 29), so ES 29, EF 38;
    // M (2 weeks) must finish by 44, so LF(H) = 42, LS 33 — the book's slack of 4 for H.
    const h = analyzeDependencies(reliable, { now: NOW }).schedule.find((s) => s.id === 'H')!;
    expect(h).toMatchObject({
      earliestStart: 29,
      earliestFinish: 38,
      latestStart: 33,
      latestFinish: 42,
      slack: 4,
    });
  });

  it('lays the network out in stages of mutually independent activities', () => {
    // Stage = longest chain of predecessors in Table 22.1; within a stage, priority then id.
    const { stages } = analyzeDependencies(reliable, { now: NOW });
    expect(stages).toEqual([
      ['A'],
      ['B'],
      ['C'],
      ['D', 'E', 'I'],
      ['F', 'G'],
      ['H', 'J'],
      ['K', 'L', 'M'],
      ['N'],
    ]);
  });

  it('breaks order ties by priority, then id (Kahn)', () => {
    const input = {
      tasks: [task('b', 'low'), task('c', 'critical'), task('a', 'low'), task('d', 'high', ['a'])],
    };
    expect(analyzeDependencies(input, { now: NOW }).order).toEqual(['c', 'a', 'd', 'b']);
  });
});

describe('dependency analysis properties', () => {
  it('orders every kept dependency before its dependent', () => {
    fc.assert(
      fc.property(arbitraryInput(), (input) => {
        const a = analyzeDependencies(input, { now: NOW });
        const position = new Map(a.order.map((id, k) => [id, k]));
        expect(position.size).toBe(input.tasks.length);
        for (const [before, after] of keptEdges(input, a.removedDependencies))
          expect(position.get(before)!).toBeLessThan(position.get(after)!);
      }),
    );
  });

  it('never puts a task and one it depends on in the same stage', () => {
    fc.assert(
      fc.property(arbitraryInput(), (input) => {
        const a = analyzeDependencies(input, { now: NOW });
        const stageOf = new Map(a.stages.flatMap((stage, k) => stage.map((id) => [id, k] as const)));
        expect(stageOf.size).toBe(input.tasks.length);
        for (const [before, after] of keptEdges(input, a.removedDependencies))
          expect(stageOf.get(before)!).toBeLessThan(stageOf.get(after)!);
      }),
    );
  });

  it('has a makespan equal to the length of its critical path, which is a zero-slack dependency chain', () => {
    fc.assert(
      fc.property(arbitraryInput(), (input) => {
        const a = analyzeDependencies(input, { now: NOW });
        const duration = new Map(a.schedule.map((s) => [s.id, s]));
        const length = a.criticalPath.reduce((sum, id) => sum + duration.get(id)!.duration, 0);
        expect(length).toBeCloseTo(a.makespan, 9);
        expect(Math.max(0, ...a.schedule.map((s) => s.earliestFinish))).toBe(a.makespan);
        for (const id of a.criticalPath) expect(duration.get(id)!.slack).toBeCloseTo(0, 9);
        const edges = new Set(keptEdges(input, a.removedDependencies).map(([u, v]) => `${u}>${v}`));
        for (let k = 0; k + 1 < a.criticalPath.length; k++)
          expect(edges.has(`${a.criticalPath[k]}>${a.criticalPath[k + 1]}`)).toBe(true);
        for (const s of a.schedule) expect(s.slack).toBeGreaterThanOrEqual(-1e-9);
      }),
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(arbitraryInput(), fc.integer(), (input, seed) => {
        expect(analyzeDependencies(shuffled(input, seed), { now: NOW })).toEqual(
          analyzeDependencies(input, { now: NOW }),
        );
      }),
    );
  });
});
