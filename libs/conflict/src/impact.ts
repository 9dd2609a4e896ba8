// Impact of a strategy on cost, quality, risk and delay, and the weighted rule that picks one. See docs/conflict.md.
import type { Analysis } from './analysis';
import { ConflictInputError } from './errors';
import { rankWeight, type TaskGraph } from './model';
import type { StrategySchedule } from './strategies';
import type { Impact, ImpactWeights, Strategy } from './types';

export const DEFAULT_WEIGHTS: ImpactWeights = { cost: 0.25, quality: 0.25, risk: 0.3, delay: 0.2 };

/** Share of a task's cost redone when it is preempted, or when it races a contender and must retry. */
export const REWORK_SHARE = 0.5;
/** Share of a task's cost spent handing a resource over when it waits its turn. */
export const HANDOVER_SHARE = 0.05;

/** When impacts tie, the simpler strategy wins. */
export const TIE_ORDER: readonly Strategy[] = ['parallel', 'cooperative', 'preemptive', 'sequential'];

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Per task i with priority weight w_i (1, 2, 4, 8) and cost c_i:
 *   delay   = Σ w_i (F_i − EF⁰_i) / (Σ w_i · makespan)           F = finish here, EF⁰ = unconstrained earliest finish
 *   cost    = min(1, Σ extra_i / Σ c_i)                           extra_i = 0.5 c_i if preempted or unsafe, 0.05 c_i if it yields
 *   quality = 1 − Σ w_i q_i / Σ w_i                               q_i = 1 unsafe, 0.5 lost a dependency to a cycle, 0.2 preempted
 *   risk    = Σ w_i r_i / Σ w_i                                   r_i = 1 past its deadline, 0.5 unsafe, 0.3 preempted
 */
export function assessImpact(
  g: TaskGraph,
  a: Analysis,
  s: StrategySchedule,
  lostDependency: Uint8Array,
): Impact {
  const ef0 = a.cpm.earliestFinish;
  const finish = s.cpm.earliestFinish;
  let weights = 0;
  let costs = 0;
  let lateness = 0;
  let extra = 0;
  let flaws = 0;
  let hazards = 0;
  for (let i = 0; i < g.n; i++) {
    const w = rankWeight(g.rank[i]);
    const c = g.cost[i];
    weights += w;
    costs += c;
    lateness += w * (finish[i] - ef0[i]);
    extra += c * (s.preempted[i] || s.unsafe[i] ? REWORK_SHARE : s.yielded[i] ? HANDOVER_SHARE : 0);
    flaws += w * (s.unsafe[i] ? 1 : lostDependency[i] ? 0.5 : s.preempted[i] ? 0.2 : 0);
    hazards += w * (finish[i] > g.deadline[i] ? 1 : s.unsafe[i] ? 0.5 : s.preempted[i] ? 0.3 : 0);
  }
  if (weights === 0) return { cost: 0, quality: 1, risk: 0, delay: 0 };
  const makespan = s.cpm.makespan;
  return {
    cost: round(costs > 0 ? Math.min(1, extra / costs) : 0),
    quality: round(1 - flaws / weights),
    risk: round(hazards / weights),
    delay: round(makespan > 0 ? lateness / (weights * makespan) : 0),
  };
}

/** Weighted sum to minimise: quality counts as its shortfall (1 − quality). */
export function score(impact: Impact, w: ImpactWeights): number {
  return round(
    w.cost * impact.cost + w.quality * (1 - impact.quality) + w.risk * impact.risk + w.delay * impact.delay,
  );
}

export function resolveWeights(partial?: Partial<ImpactWeights>): ImpactWeights {
  const w = { ...DEFAULT_WEIGHTS, ...partial };
  for (const [k, v] of Object.entries(w))
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new ConflictInputError(`weight ${k} must be a finite number >= 0`, {
        field: `weights.${k}`,
        value: v,
      });
  return w;
}
