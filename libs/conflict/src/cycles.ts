// Dependency cycles: report every non-trivial strongly connected component, then break them at the cheapest edge.
import type { TaskGraph } from './model';
import { rankWeight } from './model';
import { nonTrivialComponents, shortestCycleThrough, tarjan } from './scc';
import type { RemovedDependency } from './types';

export interface CycleReport {
  /** Members of the component, sorted by id. */
  members: number[];
  /** An elementary cycle as task indices, each a prerequisite of the next; first repeated at the end. */
  cycle: number[];
}

/** Every component with more than one task, and every self-loop, with one elementary cycle each. */
export function findCycles(g: TaskGraph): CycleReport[] {
  const { succStart, succ } = g.all;
  const components = tarjan(g.n, succStart, succ);
  return nonTrivialComponents(g.n, succStart, succ, components).map((members) => {
    const id = components.comp[members[0]];
    const edges = shortestCycleThrough(members[0], succStart, succ, (v) => components.comp[v] === id);
    return { members, cycle: [...edges.map((e) => g.edgeFrom[e]), members[0]] };
  });
}

/** Removal cost of "to waits for from": 10 × weight(to) + weight(from); the dependent's priority dominates. */
export const removalCost = (g: TaskGraph, e: number): number =>
  10 * rankWeight(g.rank[g.edgeTo[e]]) + rankWeight(g.rank[g.edgeFrom[e]]);

export interface AcyclicRemainder {
  /** 1 for edges kept, indexed by edge id (= position in g.all.succ). */
  alive: Uint8Array;
  removed: RemovedDependency[];
}

/**
 * Repeatedly takes each remaining cycle component, finds its shortest cycle through the smallest task,
 * and removes the cheapest edge on that cycle (ties: dependent id, then prerequisite id).
 */
export function breakCycles(g: TaskGraph, cycles: CycleReport[]): AcyclicRemainder {
  const alive = new Uint8Array(g.edgeFrom.length).fill(1);
  const removed: RemovedDependency[] = [];
  const { succStart, succ } = g.all;
  let pending = cycles.map((c) => c.members);
  while (pending.length > 0) {
    const next: number[][] = [];
    for (const members of pending) {
      const inSet = new Set(members);
      const edges = shortestCycleThrough(members[0], succStart, succ, (v) => inSet.has(v), alive);
      if (edges.length === 0) continue;
      let cheapest = edges[0];
      for (const e of edges) if (cheaper(g, e, cheapest)) cheapest = e;
      alive[cheapest] = 0;
      removed.push({
        taskId: g.ids[g.edgeTo[cheapest]],
        dependsOn: g.ids[g.edgeFrom[cheapest]],
        cost: removalCost(g, cheapest),
        cycle: [...edges.map((e) => g.ids[g.edgeFrom[e]]), g.ids[members[0]]],
      });
      next.push(...remainingCycles(g, members, alive));
    }
    pending = next.sort((a, b) => a[0] - b[0]);
  }
  return { alive, removed };
}

function cheaper(g: TaskGraph, a: number, b: number): boolean {
  const ca = removalCost(g, a);
  const cb = removalCost(g, b);
  if (ca !== cb) return ca < cb;
  if (g.edgeTo[a] !== g.edgeTo[b]) return g.edgeTo[a] < g.edgeTo[b];
  return g.edgeFrom[a] < g.edgeFrom[b];
}

/** Cycle components left inside `members` after removals, as global indices. */
function remainingCycles(g: TaskGraph, members: number[], alive: Uint8Array): number[][] {
  const local = new Map<number, number>();
  members.forEach((v, i) => local.set(v, i));
  const start = new Int32Array(members.length + 1);
  const targets: number[] = [];
  members.forEach((v, i) => {
    for (let e = g.all.succStart[v]; e < g.all.succStart[v + 1]; e++) {
      const w = local.get(g.all.succ[e]);
      if (alive[e] && w !== undefined) targets.push(w);
    }
    start[i + 1] = targets.length;
  });
  const succ = Int32Array.from(targets);
  const comps = tarjan(members.length, start, succ);
  return nonTrivialComponents(members.length, start, succ, comps).map((group) =>
    group.map((i) => members[i]),
  );
}
