// Implementation plan for the chosen alternative: dated phases, ordered dependencies, risks, milestones, rollback.
import { DecisionValidationError } from './errors';
import type { ImplementationPlan, PlanPhase, PlanRisk, RollbackPlan } from './result';
import type { AlternativeDependency, DecisionAlternative } from './types';

const DAY_MS = 86_400_000;
const PHASES = ['planning', 'implementation', 'testing', 'deployment'] as const;
const iso = (ms: number) => new Date(ms).toISOString();
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Phases in order from `now`; if timeline.total exceeds their sum, the rest becomes a contingency phase. */
function phases(alternative: DecisionAlternative, now: number): PlanPhase[] {
  const timeline = alternative.timeline ?? {};
  const result: PlanPhase[] = [];
  let cursor = now;
  const add = (name: PlanPhase['name'], days: number) => {
    if (!(days > 0)) return;
    result.push({ name, days, start: iso(cursor), end: iso(cursor + days * DAY_MS) });
    cursor += days * DAY_MS;
  };
  for (const name of PHASES) add(name, timeline[name] ?? 0);
  const sum = PHASES.reduce((s, name) => s + Math.max(0, timeline[name] ?? 0), 0);
  if (typeof timeline.total === 'number' && timeline.total > sum) add('contingency', timeline.total - sum);
  return result;
}

/** Kahn's topological order over dependsOn; among ready ones critical first, then by id. */
function orderDependencies(alternative: DecisionAlternative): ImplementationPlan['dependencies'] {
  const deps: AlternativeDependency[] = (alternative.dependencies ?? []).map((d) =>
    typeof d === 'string' ? { id: d } : d,
  );
  const byId = new Map(deps.map((d) => [d.id, d]));
  const at = `alternatives[${alternative.id}].dependencies`;
  const problems = deps.flatMap((d) =>
    (d.dependsOn ?? [])
      .filter((x) => !byId.has(x))
      .map((x) => ({
        path: `${at}.${d.id}.dependsOn`,
        message: `'${x}' is not a dependency of this alternative`,
      })),
  );
  if (problems.length > 0) throw new DecisionValidationError(problems);
  const pending = new Map(deps.map((d) => [d.id, new Set(d.dependsOn ?? [])]));
  const ordered: ImplementationPlan['dependencies'] = [];
  while (pending.size > 0) {
    const ready = [...pending.entries()]
      .filter(([, before]) => before.size === 0)
      .map(([id]) => byId.get(id) as AlternativeDependency);
    if (ready.length === 0)
      throw new DecisionValidationError([
        { path: at, message: `dependency cycle among ${[...pending.keys()].sort().join(', ')}` },
      ]);
    ready.sort((a, b) => Number(!!b.critical) - Number(!!a.critical) || (a.id < b.id ? -1 : 1));
    const next = ready[0];
    ordered.push({ id: next.id, name: next.name ?? next.id, critical: !!next.critical });
    pending.delete(next.id);
    for (const before of pending.values()) before.delete(next.id);
  }
  return ordered;
}

/** Exposure = probability x impact (0.5 each when not given); high from 0.4, medium from 0.15. */
function risks(alternative: DecisionAlternative): PlanRisk[] {
  return (alternative.risks ?? [])
    .map((r) => (typeof r === 'string' ? { description: r } : r))
    .map((r) => {
      const probability = r.probability ?? 0.5;
      const impact = r.impact ?? 0.5;
      const exposure = probability * impact;
      const level: PlanRisk['level'] = exposure >= 0.4 ? 'high' : exposure >= 0.15 ? 'medium' : 'low';
      const fallback = {
        high: 'gate deployment on a go/no-go review, rehearse the rollback and roll out in stages',
        medium: 'name an owner, keep a contingency buffer and review at every milestone',
        low: 'monitor and review at the end of testing',
      }[level];
      return {
        description: r.description,
        probability,
        impact,
        exposure,
        level,
        mitigation: r.mitigation ?? fallback,
      };
    })
    .sort((a, b) => b.exposure - a.exposure || (a.description < b.description ? -1 : 1));
}

/** Rollback strategy by reversibility: >= 0.7 simple revert, >= 0.4 staged rollback, below that safeguards. */
export function rollbackPlan(reversibility: number, alternative: DecisionAlternative): RollbackPlan {
  const t = alternative.timeline ?? {};
  const deployment = Math.max(0, t.deployment ?? 0);
  const testing = Math.max(0, t.testing ?? 0);
  const estimatedEffortDays = round1((1 - reversibility) * (Math.max(0, t.implementation ?? 0) + deployment));
  if (reversibility >= 0.7) {
    return {
      reversibility,
      strategy: 'simple_revert',
      windowDays: Math.max(1, Math.ceil(deployment)),
      estimatedEffortDays,
      steps: [
        'keep the previous version deployable until the window closes',
        'switch back by feature flag or redeploy',
        'verify health checks and key metrics',
      ],
    };
  }
  if (reversibility >= 0.4) {
    return {
      reversibility,
      strategy: 'staged_rollback',
      windowDays: Math.max(7, Math.ceil(2 * deployment)),
      estimatedEffortDays,
      steps: [
        'roll out in stages behind a canary',
        'run the old and new paths side by side',
        'roll back stage by stage on a failed gate',
        'reconcile data written by the new path',
      ],
    };
  }
  return {
    reversibility,
    strategy: 'irreversible_safeguards',
    windowDays: Math.max(14, Math.ceil(testing + deployment)),
    estimatedEffortDays,
    steps: [
      'pilot on a limited scope first',
      'snapshot state and back up data before each stage',
      'require an explicit go/no-go approval before full rollout',
      'prepare compensating actions for what cannot be undone',
    ],
  };
}

export function buildPlan(
  alternative: DecisionAlternative,
  now: number,
  defaultReversibility?: number,
): ImplementationPlan {
  const planned = phases(alternative, now);
  const end = planned.length > 0 ? Date.parse(planned[planned.length - 1].end) : now;
  const reversibility = alternative.impact?.reversibility ?? defaultReversibility ?? 0.5;
  const rollback = rollbackPlan(reversibility, alternative);
  const milestones = planned.map((p) => ({ name: `${p.name} complete`, date: p.end }));
  const goLive = planned.find((p) => p.name === 'deployment');
  if (goLive) {
    milestones.push({ name: 'go-live', date: goLive.end });
    milestones.push({
      name: 'rollback window closes',
      date: iso(Date.parse(goLive.end) + rollback.windowDays * DAY_MS),
    });
  }
  milestones.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return {
    alternativeId: alternative.id,
    start: iso(now),
    end: iso(end),
    totalDays: round1((end - now) / DAY_MS),
    phases: planned,
    dependencies: orderDependencies(alternative),
    risks: risks(alternative),
    milestones,
    rollback,
  };
}
