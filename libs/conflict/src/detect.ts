// Conflict detection: unknown references, dependency cycles, resource contention, priority inversions, deadlines.
import { analyse, type Analysis } from './analysis';
import { EVIDENCE_LIMIT, findInversions, type InversionReport } from './inversion';
import { buildTaskGraph, PRIORITIES, type TaskGraph } from './model';
import { budgetOvercommit, findContention, type ContentionCluster } from './resources';
import { chainLengths, chainTo } from './schedule';
import type { Conflict, ConflictInput, DetectOptions } from './types';

export interface Detection {
  conflicts: Conflict[];
  clusters: ContentionCluster[];
  inversions: InversionReport;
}

export function detectConflicts(input: ConflictInput, opts: DetectOptions): Conflict[] {
  const g = buildTaskGraph(input, opts.now);
  return detect(g, input, analyse(g)).conflicts;
}

export function detect(g: TaskGraph, input: ConflictInput, a: Analysis): Detection {
  const ids = (list: number[]) => list.map((v) => g.ids[v]);
  // Index order is id order; every list passed here is ascending and duplicate-free already.
  const sorted = ids;
  const conflicts: Conflict[] = [];

  for (const ref of g.unknownReferences)
    conflicts.push({
      kind: 'unknown-reference',
      tasks: [ref.taskId],
      description: `${ref.taskId} depends on unknown task(s) ${ref.missing.join(', ')}`,
      evidence: { missing: ref.missing },
    });

  for (const c of a.cycles)
    conflicts.push({
      kind: 'dependency-cycle',
      tasks: ids(c.members),
      description:
        c.members.length === 1
          ? `${g.ids[c.members[0]]} depends on itself`
          : `${c.members.length} tasks wait on each other: ${ids(c.cycle).join(' -> ')}`,
      evidence: { component: ids(c.members), cycle: ids(c.cycle), selfLoop: c.members.length === 1 },
    });

  const clusters = findContention(g);
  for (const c of clusters) {
    const exclusive = c.users
      .filter((u) => u.exclusive && c.involved.includes(u.task))
      .map((u) => u.task)
      .sort((x, y) => x - y);
    conflicts.push({
      kind: 'resource-contention',
      tasks: sorted(c.involved),
      description: `${c.involved.length} tasks over-use resource ${c.resource.id} in overlapping windows`,
      evidence: {
        resource: c.resource.id,
        capacity: Number.isFinite(c.resource.capacity) ? c.resource.capacity : null,
        exclusive: sorted(exclusive),
        peakUsers: c.peakUsers,
        peakUnits: c.peakUnits,
      },
    });
  }
  const budget = budgetOvercommit(g, input);
  if (budget) {
    const { tasks: budgetTasks, otherCurrency, ...figures } = budget;
    conflicts.push({
      kind: 'resource-contention',
      tasks: sorted(budgetTasks),
      description: `task budgets overcommit the shared budget (cost ${budget.committedCost}/${budget.maxCost ?? '-'}, tokens ${budget.committedTokens}/${budget.maxTokens ?? '-'})`,
      evidence: { resource: 'budget', ...figures, otherCurrency: sorted(otherCurrency) },
    });
  }

  const inversions = findInversions(g, a, clusters);
  for (const inv of inversions.inversions) {
    const h = g.ids[inv.high];
    const l = g.ids[inv.low];
    const m = g.ids[inv.medium];
    conflicts.push({
      kind: 'priority-inversion',
      tasks: [h, l, m].sort(),
      description: `${h} (${PRIORITIES[g.rank[inv.high]]}) waits on ${l} (${PRIORITIES[g.rank[inv.low]]}) through ${inv.resource ? `resource ${inv.resource}` : 'dependencies'} while ${m} (${PRIORITIES[g.rank[inv.medium]]}) can run`,
      evidence: {
        via: inv.via,
        waiting: h,
        blocking: l,
        runnable: m,
        chain: ids(inv.chain),
        chainLength: inv.chainLength,
        ...(inv.resource ? { resource: inv.resource } : {}),
      },
    });
  }

  const { earliestFinish } = a.cpm;
  let pathLength: Int32Array | undefined;
  for (let v = 0; v < g.n; v++) {
    if (!(earliestFinish[v] > g.deadline[v])) continue;
    pathLength ??= chainLengths(a.dag, a.cpm, a.order);
    conflicts.push({
      kind: 'deadline-infeasible',
      tasks: [g.ids[v]],
      description: `${g.ids[v]} finishes at the earliest ${earliestFinish[v]} s from now, ${earliestFinish[v] - g.deadline[v]} s past its deadline`,
      evidence: {
        deadline: g.tasks[v].deadline,
        deadlineIn: g.deadline[v],
        earliestFinish: earliestFinish[v],
        lateness: earliestFinish[v] - g.deadline[v],
        path: ids(chainTo(a.dag, a.cpm, v, EVIDENCE_LIMIT)),
        pathLength: pathLength[v],
      },
    });
  }
  return { conflicts, clusters, inversions };
}
