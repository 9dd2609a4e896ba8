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

/** Three distinct indices in ascending (= id) order; cheaper than Array#sort for the thousands of inversions. */
function sortThree(x: number, y: number, z: number): number[] {
  if (x > y) [x, y] = [y, x];
  if (y > z) [y, z] = [z, y];
  if (x > y) [x, y] = [y, x];
  return [x, y, z];
}

/** Conflicts in a fixed kind order (unknown references, cycles, contention, inversions, deadlines), each by id. */
export function detect(g: TaskGraph, input: ConflictInput, a: Analysis): Detection {
  const clusters = findContention(g);
  const inversions = findInversions(g, a, clusters);
  const conflicts = [
    ...referenceConflicts(g),
    ...cycleConflicts(g, a),
    ...contentionConflicts(g, input, clusters),
    ...inversionConflicts(g, inversions),
    ...deadlineConflicts(g, a),
  ];
  return { conflicts, clusters, inversions };
}

/** Ids of ascending task indices (index order is id order). */
const idsOf = (g: TaskGraph, list: number[]): string[] => list.map((v) => g.ids[v]);

function referenceConflicts(g: TaskGraph): Conflict[] {
  return g.unknownReferences.map((ref) => ({
    kind: 'unknown-reference',
    tasks: [ref.taskId],
    description: `${ref.taskId} depends on unknown task(s) ${ref.missing.join(', ')}`,
    evidence: { missing: ref.missing },
  }));
}

function cycleConflicts(g: TaskGraph, a: Analysis): Conflict[] {
  return a.cycles.map((c) => ({
    kind: 'dependency-cycle',
    tasks: idsOf(g, c.members),
    description:
      c.members.length === 1
        ? `${g.ids[c.members[0]]} depends on itself`
        : `${c.members.length} tasks wait on each other: ${idsOf(g, c.cycle).join(' -> ')}`,
    evidence: { component: idsOf(g, c.members), cycle: idsOf(g, c.cycle), selfLoop: c.members.length === 1 },
  }));
}

function contentionConflicts(g: TaskGraph, input: ConflictInput, clusters: ContentionCluster[]): Conflict[] {
  const conflicts: Conflict[] = clusters.map((c) => {
    const exclusive = c.users
      .filter((u) => u.exclusive && c.involved.includes(u.task))
      .map((u) => u.task)
      .sort((x, y) => x - y);
    return {
      kind: 'resource-contention',
      tasks: idsOf(g, c.involved),
      description: `${c.involved.length} tasks over-use resource ${c.resource.id} in overlapping windows`,
      evidence: {
        resource: c.resource.id,
        capacity: Number.isFinite(c.resource.capacity) ? c.resource.capacity : null,
        exclusive: idsOf(g, exclusive),
        peakUsers: c.peakUsers,
        peakUnits: c.peakUnits,
      },
    };
  });
  const budget = budgetOvercommit(g, input);
  if (budget) {
    const { tasks, otherCurrency, ...figures } = budget;
    conflicts.push({
      kind: 'resource-contention',
      tasks: idsOf(g, tasks),
      description: `task budgets overcommit the shared budget (cost ${budget.committedCost}/${budget.maxCost ?? '-'}, tokens ${budget.committedTokens}/${budget.maxTokens ?? '-'})`,
      evidence: { resource: 'budget', ...figures, otherCurrency: idsOf(g, otherCurrency) },
    });
  }
  return conflicts;
}

function inversionConflicts(g: TaskGraph, report: InversionReport): Conflict[] {
  return report.inversions.map((inv) => {
    const [h, l, m] = [g.ids[inv.high], g.ids[inv.low], g.ids[inv.medium]];
    const level = (v: number) => PRIORITIES[g.rank[v]];
    const through = inv.resource ? `resource ${inv.resource}` : 'dependencies';
    return {
      kind: 'priority-inversion',
      tasks: idsOf(g, sortThree(inv.high, inv.low, inv.medium)),
      description: `${h} (${level(inv.high)}) waits on ${l} (${level(inv.low)}) through ${through} while ${m} (${level(inv.medium)}) can run`,
      evidence: {
        via: inv.via,
        waiting: h,
        blocking: l,
        runnable: m,
        chain: idsOf(g, inv.chain),
        chainLength: inv.chainLength,
        ...(inv.resource ? { resource: inv.resource } : {}),
      },
    };
  });
}

function deadlineConflicts(g: TaskGraph, a: Analysis): Conflict[] {
  const { earliestFinish } = a.cpm;
  const conflicts: Conflict[] = [];
  let pathLength: Int32Array | undefined;
  for (let v = 0; v < g.n; v++) {
    if (!(earliestFinish[v] > g.deadline[v])) continue;
    pathLength ??= chainLengths(a.dag, a.cpm, a.order);
    const lateness = earliestFinish[v] - g.deadline[v];
    conflicts.push({
      kind: 'deadline-infeasible',
      tasks: [g.ids[v]],
      description: `${g.ids[v]} finishes at the earliest ${earliestFinish[v]} s from now, ${lateness} s past its deadline`,
      evidence: {
        deadline: g.tasks[v].deadline,
        deadlineIn: g.deadline[v],
        earliestFinish: earliestFinish[v],
        lateness,
        path: idsOf(g, chainTo(a.dag, a.cpm, v, EVIDENCE_LIMIT)),
        pathLength: pathLength[v],
      },
    });
  }
  return conflicts;
}
