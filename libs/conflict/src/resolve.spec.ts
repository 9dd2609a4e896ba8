import fc from 'fast-check';
import { DEFAULT_WEIGHTS, generateTaskSet, resolveConflicts } from '@ossa/conflict';
import { arbitraryInput, at, keptEdges, NOW, shuffled, task } from '../test/fixtures';
import type { ConflictInput, ResolutionPlan, Strategy } from './types';

const STRATEGIES: Strategy[] = ['preemptive', 'cooperative', 'sequential', 'parallel'];

/** Pairs of tasks that may not hold a resource together: overlapping windows and exclusive use or units over capacity. */
function clashingPairs(input: ConflictInput): Array<[string, string]> {
  const capacity = new Map((input.resources ?? []).map((r) => [r.id, r.capacity]));
  const byId = new Map(input.tasks.map((t) => [t.id, t]));
  const span = (id: string) => {
    const w = byId.get(id)!.window;
    return w ? [Date.parse(w.start), Date.parse(w.end)] : [-Infinity, Infinity];
  };
  const uses = input.tasks.flatMap((t) =>
    (t.resources ?? []).map((r) => ({ task: t.id, ...r, units: r.units ?? 1 })),
  );
  const pairs: Array<[string, string]> = [];
  for (const x of uses)
    for (const y of uses) {
      if (x.task >= y.task || x.id !== y.id) continue;
      const [xs, xe] = span(x.task);
      const [ys, ye] = span(y.task);
      const overlap = xs < ye && ys < xe && xe > xs && ye > ys;
      const clash =
        x.mode === 'exclusive' ||
        y.mode === 'exclusive' ||
        x.units + y.units > (capacity.get(x.id) ?? Infinity);
      if (overlap && clash) pairs.push([x.task, y.task]);
    }
  return pairs;
}

function expectValidPlan(input: ConflictInput, plan: ResolutionPlan): void {
  const position = new Map(plan.order.map((id, k) => [id, k]));
  const stageOf = new Map(plan.stages.flatMap((stage, k) => stage.map((id) => [id, k] as const)));
  expect(position.size).toBe(input.tasks.length);
  expect(stageOf.size).toBe(input.tasks.length);
  for (const [before, after] of keptEdges(input, plan.removedDependencies)) {
    expect(position.get(before)!).toBeLessThan(position.get(after)!);
    expect(stageOf.get(before)!).toBeLessThan(stageOf.get(after)!);
  }
  const duration = new Map(input.tasks.map((t) => [t.id, t.metadata!.estimatedDuration!]));
  expect(plan.criticalPath.reduce((sum, id) => sum + duration.get(id)!, 0)).toBeCloseTo(plan.makespan, 9);
  for (let k = 0; k + 1 < plan.criticalPath.length; k++)
    expect(position.get(plan.criticalPath[k])!).toBeLessThan(position.get(plan.criticalPath[k + 1])!);
  if (plan.strategy !== 'parallel')
    for (const [x, y] of clashingPairs(input)) expect(stageOf.get(x)).not.toBe(stageOf.get(y));
}

describe('strategies and impact', () => {
  // Two tasks that need the same GPU exclusively, 10 s and cost 10 each; a is low (weight 1), b high (weight 4).
  const gpu = { resources: [{ id: 'gpu', mode: 'exclusive' as const }] };
  const pair: ConflictInput = {
    tasks: [task('a', 'low', [], 10, gpu), task('b', 'high', [], 10, gpu)],
  };

  it('scores each strategy by the documented formulas', () => {
    const plan = resolveConflicts(pair, { now: NOW });
    const all = [
      { strategy: plan.strategy, impact: plan.impact, score: plan.score, makespan: plan.makespan },
      ...plan.alternatives,
    ];
    const of = (s: Strategy) => all.find((o) => o.strategy === s)!;
    // parallel: both race (unsafe) → cost (5 + 5)/20 = 0.5, quality 1 − (1 + 4)/5 = 0, risk 0.5, delay 0;
    // score 0.25·0.5 + 0.25·1 + 0.3·0.5 = 0.525.
    expect(of('parallel')).toMatchObject({
      impact: { cost: 0.5, quality: 0, risk: 0.5, delay: 0 },
      score: 0.525,
      makespan: 10,
    });
    // cooperative: b first, a waits its turn (handover 0.05·10) → cost 0.025; delay 1·(20 − 10)/(5·20) = 0.1;
    // score 0.25·0.025 + 0.2·0.1 = 0.02625. Sequential runs the same schedule; preemptive has no one to preempt.
    for (const s of ['cooperative', 'sequential', 'preemptive'] as Strategy[])
      expect(of(s)).toMatchObject({
        impact: { cost: 0.025, quality: 1, risk: 0, delay: 0.1 },
        score: 0.02625,
        makespan: 20,
      });
    // Equal scores fall back to the tie order parallel, cooperative, preemptive, sequential.
    expect(plan.strategy).toBe('cooperative');
    expect(plan.order).toEqual(['b', 'a']);
    expect(plan.stages).toEqual([['b'], ['a']]);
    expect(plan.explanation).toContain('Chose cooperative');
  });

  it('charges preemption: the displaced task redoes half its work', () => {
    // a holds the GPU from t = 0, b (high) arrives at t = 5: preemptive puts b first and a is preempted.
    const input = {
      tasks: [
        task('a', 'low', [], 10, { ...gpu, window: { start: at(0), end: at(20) } }),
        task('b', 'high', [], 10, { ...gpu, window: { start: at(5), end: at(25) } }),
      ],
    };
    const preemptive = resolveConflicts(input, { now: NOW, strategies: ['preemptive'] });
    expect(preemptive.order).toEqual(['b', 'a']);
    // cost 0.5·10/20 = 0.25; quality 1 − 0.2·1/5 = 0.96; risk 0.3·1/5 = 0.06; delay 1·10/(5·20) = 0.1.
    expect(preemptive.impact).toEqual({ cost: 0.25, quality: 0.96, risk: 0.06, delay: 0.1 });
    const cooperative = resolveConflicts(input, { now: NOW, strategies: ['cooperative'] });
    expect(cooperative.order).toEqual(['a', 'b']);
    // b (weight 4) now waits: delay 4·10/(5·20) = 0.4.
    expect(cooperative.impact).toEqual({ cost: 0.025, quality: 1, risk: 0, delay: 0.4 });
  });

  it('lets shared users take turns in batches that fit the capacity', () => {
    // Capacity 4, three users of 2 units each: a and b fit together, c waits for both.
    const shared = { resources: [{ id: 'pool', mode: 'shared' as const, units: 2 }] };
    const input = {
      tasks: [
        task('a', 'high', [], 5, shared),
        task('b', 'high', [], 5, shared),
        task('c', 'high', [], 5, shared),
      ],
      resources: [{ id: 'pool', capacity: 4 }],
    };
    const plan = resolveConflicts(input, { now: NOW, strategies: ['cooperative'] });
    expect(plan.stages).toEqual([['a', 'b'], ['c']]);
    expect(plan.makespan).toBe(10);
    expect(plan.criticalPath).toEqual(['a', 'c']);
  });

  it('counts missed deadlines as risk', () => {
    const input = {
      tasks: [task('a', 'low', [], 10, gpu), task('b', 'high', [], 10, { ...gpu, deadline: at(15) })],
    };
    const sequential = resolveConflicts(input, { now: NOW, strategies: ['sequential'] });
    expect(sequential.order).toEqual(['b', 'a']);
    expect(sequential.impact.risk).toBe(0);
    const waiting = { tasks: [task('a', 'critical', [], 10, gpu), input.tasks[1]] };
    // a (critical) goes first, b finishes at 20 > 15: risk 4·1/(8 + 4).
    expect(resolveConflicts(waiting, { now: NOW, strategies: ['sequential'] }).impact.risk).toBeCloseTo(
      4 / 12,
      6,
    );
  });

  it('only offers parallel and sequential when nothing contends, and parallel wins', () => {
    const plan = resolveConflicts(
      { tasks: [task('a', 'low', [], 5), task('b', 'high', ['a'], 5), task('c', 'medium', [], 7)] },
      { now: NOW },
    );
    expect(plan.strategy).toBe('parallel');
    expect(plan.alternatives.map((a) => a.strategy)).toEqual(['sequential']);
    // b (high) waits on a (low) while c (medium) could run: a inherits high and leads its stage.
    expect(plan.priorityAdjustments).toMatchObject([{ taskId: 'a', to: 'high', inheritedFrom: 'b' }]);
    expect(plan.stages).toEqual([['a', 'c'], ['b']]);
    expect(plan.makespan).toBe(10);
  });

  it('follows the weights it is given', () => {
    const delayOnly = resolveConflicts(pair, {
      now: NOW,
      weights: { cost: 0, quality: 0, risk: 0, delay: 1 },
    });
    expect(delayOnly.strategy).toBe('parallel');
    expect(DEFAULT_WEIGHTS).toEqual({ cost: 0.25, quality: 0.25, risk: 0.3, delay: 0.2 });
  });

  it('handles an empty task set', () => {
    const plan = resolveConflicts({ tasks: [] }, { now: NOW });
    expect(plan).toMatchObject({
      strategy: 'parallel',
      order: [],
      stages: [],
      criticalPath: [],
      makespan: 0,
      conflicts: [],
    });
  });
});

describe('resolution properties', () => {
  it.each(STRATEGIES)(
    '%s: topological order, dependency-free stages, makespan = critical path, its guarantee',
    (strategy) => {
      fc.assert(
        fc.property(arbitraryInput(), (input) => {
          const plan = resolveConflicts(input, { now: NOW, strategies: [strategy] });
          expectValidPlan(input, plan);
        }),
        { numRuns: 150 },
      );
    },
  );

  it('chooses the lowest score and lists every other applicable strategy', () => {
    fc.assert(
      fc.property(arbitraryInput(), (input) => {
        const plan = resolveConflicts(input, { now: NOW });
        expectValidPlan(input, plan);
        for (const alt of plan.alternatives) expect(plan.score).toBeLessThanOrEqual(alt.score);
        const seen = [plan.strategy, ...plan.alternatives.map((a) => a.strategy)];
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(expect.arrayContaining(['parallel', 'sequential']));
      }),
      { numRuns: 150 },
    );
  });

  it('does not depend on the order of tasks or dependencies in the input', () => {
    fc.assert(
      fc.property(arbitraryInput(), fc.integer(), (input, seed) => {
        expect(resolveConflicts(shuffled(input, seed), { now: NOW })).toEqual(
          resolveConflicts(input, { now: NOW }),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('a 1,000-task conflict set', () => {
  const input = generateTaskSet({ tasks: 1000, dependencies: 5000, seed: 6, now: NOW });
  const plan = resolveConflicts(input, { now: NOW });

  it('finds every kind of conflict the generator plants', () => {
    const kinds = new Set(plan.conflicts.map((c) => c.kind));
    expect([...kinds].sort()).toEqual([
      'deadline-infeasible',
      'dependency-cycle',
      'priority-inversion',
      'resource-contention',
      'unknown-reference',
    ]);
    expect(
      plan.conflicts.filter((c) => c.kind === 'unknown-reference').flatMap((c) => c.evidence.missing),
    ).toEqual(['ghost-0', 'ghost-1']);
    expect(plan.removedDependencies.length).toBeGreaterThanOrEqual(
      plan.conflicts.filter((c) => c.kind === 'dependency-cycle').length,
    );
  });

  it('returns a valid plan whatever strategy it picks', () => {
    expect(input.tasks.reduce((n, t) => n + (t.dependencies?.length ?? 0), 0)).toBeGreaterThanOrEqual(5000);
    expectValidPlan(input, plan);
    for (const strategy of STRATEGIES)
      expectValidPlan(input, resolveConflicts(input, { now: NOW, strategies: [strategy] }));
  });

  it('is reproducible from its seed and independent of input order', () => {
    const again = resolveConflicts(generateTaskSet({ tasks: 1000, dependencies: 5000, seed: 6, now: NOW }), {
      now: NOW,
    });
    expect(again).toEqual(plan);
    expect(resolveConflicts(shuffled(input, 99), { now: NOW })).toEqual(plan);
  });
});
