// Dependency analysis of the acyclic remainder: topological order, critical path method and parallel stages.
import { breakCycles, findCycles, type CycleReport } from './cycles';
import { buildDag, type Dag } from './dag';
import { buildTaskGraph, type TaskGraph } from './model';
import {
  criticalPathMethod,
  descending,
  extractCriticalPath,
  groupStages,
  kahnOrder,
  stageIndex,
  type Cpm,
} from './schedule';
import type { ConflictInput, DependencyAnalysis, DetectOptions, RemovedDependency } from './types';

export interface Analysis {
  cycles: CycleReport[];
  /** Per edge id of g.all: 1 if kept in the acyclic remainder. */
  alive: Uint8Array;
  removed: RemovedDependency[];
  dag: Dag;
  /** Kahn order, ties broken by priority (highest first), then id. */
  order: Int32Array;
  cpm: Cpm;
  level: Int32Array;
}

export function analyse(g: TaskGraph): Analysis {
  const cycles = findCycles(g);
  const { alive, removed } = breakCycles(g, cycles);
  const dag = removed.length === 0 ? g.all : remainderDag(g, alive);
  const order = kahnOrder(dag, descending(g.rank), new Float64Array(g.n));
  const cpm = criticalPathMethod(dag, g.duration, order);
  return { cycles, alive, removed, dag, order, cpm, level: stageIndex(dag, order) };
}

function remainderDag(g: TaskGraph, alive: Uint8Array): Dag {
  const from = new Int32Array(alive.length);
  const to = new Int32Array(alive.length);
  let m = 0;
  for (let e = 0; e < alive.length; e++) {
    if (!alive[e]) continue;
    from[m] = g.edgeFrom[e];
    to[m++] = g.edgeTo[e];
  }
  return buildDag(g.n, from, to, m);
}

/** Topological order, CPM figures (seconds from `now`), critical path, makespan and stages of the acyclic remainder. */
export function analyzeDependencies(input: ConflictInput, opts: DetectOptions): DependencyAnalysis {
  const g = buildTaskGraph(input, opts.now);
  const a = analyse(g);
  const { earliestStart, earliestFinish, latestStart, latestFinish, makespan } = a.cpm;
  return {
    order: Array.from(a.order, (v) => g.ids[v]),
    stages: groupStages(a.level, a.order).map((stage) => stage.map((v) => g.ids[v])),
    criticalPath: extractCriticalPath(a.dag, a.cpm, a.order).map((v) => g.ids[v]),
    makespan,
    schedule: g.ids.map((id, v) => ({
      id,
      duration: g.duration[v],
      earliestStart: earliestStart[v],
      earliestFinish: earliestFinish[v],
      latestStart: latestStart[v],
      latestFinish: latestFinish[v],
      slack: latestStart[v] - earliestStart[v],
    })),
    removedDependencies: a.removed,
    unknownReferences: g.unknownReferences,
  };
}
