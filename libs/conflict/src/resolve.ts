// Resolution: break cycles, inherit priorities across inversions, compute each applicable strategy, pick one.
import { analyse } from './analysis';
import { detect } from './detect';
import { ConflictInputError } from './errors';
import { assessImpact, resolveWeights, score, TIE_ORDER } from './impact';
import { inheritPriorities } from './inversion';
import { buildTaskGraph, PRIORITIES, type TaskGraph } from './model';
import { extractCriticalPath, groupStages, stageIndex } from './schedule';
import { applicableStrategies, buildSchedule, strategyContext, type StrategySchedule } from './strategies';
import type {
  ConflictInput,
  PriorityAdjustment,
  ResolutionPlan,
  ResolveOptions,
  Strategy,
  StrategyOutcome,
} from './types';

const STRATEGIES: readonly Strategy[] = ['preemptive', 'cooperative', 'sequential', 'parallel'];

export function resolveConflicts(input: ConflictInput, opts: ResolveOptions): ResolutionPlan {
  const weights = resolveWeights(opts.weights);
  const allowed = opts.strategies ?? STRATEGIES;
  for (const s of allowed)
    if (!STRATEGIES.includes(s))
      throw new ConflictInputError(`unknown strategy ${s}`, { field: 'strategies', value: s });
  if (allowed.length === 0)
    throw new ConflictInputError('at least one strategy must be allowed', { field: 'strategies' });

  const g = buildTaskGraph(input, opts.now);
  const a = analyse(g);
  const { conflicts, clusters, inversions } = detect(g, input, a);
  const inheritance = inheritPriorities(g, a, inversions);
  const ctx = strategyContext(g, a, clusters, inheritance);

  const lostDependency = new Uint8Array(g.n);
  for (const r of a.removed) lostDependency[g.indexOf(r.taskId)!] = 1;

  let candidates = applicableStrategies(ctx).filter((s) => allowed.includes(s));
  // A restriction to strategies that have nothing to do still gets a plan: the allowed ones are computed anyway.
  if (candidates.length === 0) candidates = [...new Set(allowed)];
  const outcomes = candidates.map((strategy) => {
    const schedule = buildSchedule(ctx, strategy);
    const impact = assessImpact(g, a, schedule, lostDependency);
    return { schedule, impact, score: score(impact, weights) };
  });
  outcomes.sort(
    (x, y) =>
      x.score - y.score || TIE_ORDER.indexOf(x.schedule.strategy) - TIE_ORDER.indexOf(y.schedule.strategy),
  );
  const [best, ...rest] = outcomes;
  const chosen = best.schedule;

  const alternatives: StrategyOutcome[] = rest.map((o) => ({
    strategy: o.schedule.strategy,
    impact: o.impact,
    makespan: o.schedule.cpm.makespan,
    score: o.score,
    criticalPath: extractCriticalPath(o.schedule.dag, o.schedule.cpm, o.schedule.order).map((v) => g.ids[v]),
  }));
  const priorityAdjustments = adjustments(g, inheritance.rank, inheritance.from);
  const plan: ResolutionPlan = {
    conflicts,
    strategy: chosen.strategy,
    order: Array.from(chosen.order, (v) => g.ids[v]),
    stages: stagesOf(g, chosen),
    criticalPath: extractCriticalPath(chosen.dag, chosen.cpm, chosen.order).map((v) => g.ids[v]),
    makespan: chosen.cpm.makespan,
    impact: best.impact,
    score: best.score,
    alternatives,
    explanation: '',
    removedDependencies: a.removed,
    priorityAdjustments,
  };
  plan.explanation = explain(plan, weights, candidates);
  return plan;
}

function stagesOf(g: TaskGraph, s: StrategySchedule): string[][] {
  return groupStages(stageIndex(s.dag, s.order), s.order).map((stage) => stage.map((v) => g.ids[v]));
}

function adjustments(g: TaskGraph, rank: Uint8Array, from: Int32Array): PriorityAdjustment[] {
  const list: PriorityAdjustment[] = [];
  for (let v = 0; v < g.n; v++)
    if (from[v] >= 0)
      list.push({
        taskId: g.ids[v],
        from: PRIORITIES[g.rank[v]],
        to: PRIORITIES[rank[v]],
        reason: 'priority-inheritance',
        inheritedFrom: g.ids[from[v]],
      });
  return list;
}

const GUARANTEES: Record<Strategy, string> = {
  parallel: 'every task starts as soon as its dependencies finish; resource clashes are left to the agents',
  cooperative: 'contending tasks take turns in arrival order and never hold a resource together',
  preemptive: 'the higher-priority contender takes the resource first and the lower one restarts after it',
  sequential: 'one task at a time in priority order, so nothing ever runs alongside anything else',
};

function explain(plan: ResolutionPlan, w: ReturnType<typeof resolveWeights>, candidates: Strategy[]): string {
  const counts = new Map<string, number>();
  for (const c of plan.conflicts) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const found =
    counts.size === 0
      ? 'No conflicts found.'
      : `Found ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}.`;
  const removed = plan.removedDependencies.length
    ? ` Broke cycles by removing ${plan.removedDependencies.map((r) => `${r.taskId} -> ${r.dependsOn}`).join(', ')}.`
    : '';
  const inherited = plan.priorityAdjustments.length
    ? ` ${plan.priorityAdjustments.length} task(s) inherit a higher priority to end inversions.`
    : '';
  const i = plan.impact;
  const others = plan.alternatives.map((o) => `${o.strategy} ${o.score}`).join(', ');
  return (
    `${found}${removed}${inherited} Chose ${plan.strategy} (score ${plan.score}: cost ${i.cost}, quality ${i.quality}, ` +
    `risk ${i.risk}, delay ${i.delay}; makespan ${plan.makespan} s) among ${candidates.join(', ')}` +
    `${others ? ` (others: ${others})` : ''}; score = ${w.cost}·cost + ${w.quality}·(1 − quality) + ${w.risk}·risk + ` +
    `${w.delay}·delay, lowest wins. ${plan.strategy[0].toUpperCase()}${plan.strategy.slice(1)}: ${GUARANTEES[plan.strategy]}.`
  );
}
