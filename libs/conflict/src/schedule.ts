// Kahn's topological order, the critical path method and parallel stages over an acyclic Dag.
import type { Dag } from './dag';
import { IndexHeap } from './heap';

/**
 * Kahn (1962): among ready tasks the smallest (primary, secondary, index) comes first.
 * Returns fewer than n tasks on a cycle.
 */
export function kahnOrder(dag: Dag, primary: Float64Array, secondary: Float64Array): Int32Array {
  const { n, succStart, succ, predStart } = dag;
  const waiting = new Int32Array(n);
  const heap = new IndexHeap(n, primary, secondary);
  for (let v = 0; v < n; v++) {
    waiting[v] = predStart[v + 1] - predStart[v];
    if (waiting[v] === 0) heap.push(v);
  }
  const order = new Int32Array(n);
  let k = 0;
  while (heap.length > 0) {
    const v = heap.pop();
    order[k++] = v;
    for (let e = succStart[v]; e < succStart[v + 1]; e++) if (--waiting[succ[e]] === 0) heap.push(succ[e]);
  }
  return k === n ? order : order.slice(0, k);
}

export interface Cpm {
  earliestStart: Float64Array;
  earliestFinish: Float64Array;
  latestStart: Float64Array;
  latestFinish: Float64Array;
  makespan: number;
}

/** Forward pass for earliest times, backward pass from the makespan for latest times (Kelley & Walker 1959). */
export function criticalPathMethod(dag: Dag, duration: Float64Array, order: Int32Array): Cpm {
  const { n, succStart, succ, predStart, pred } = dag;
  const es = new Float64Array(n);
  const ef = new Float64Array(n);
  let makespan = 0;
  for (let k = 0; k < n; k++) {
    const v = order[k];
    let start = 0;
    for (let e = predStart[v]; e < predStart[v + 1]; e++) if (ef[pred[e]] > start) start = ef[pred[e]];
    es[v] = start;
    ef[v] = start + duration[v];
    if (ef[v] > makespan) makespan = ef[v];
  }
  const ls = new Float64Array(n);
  const lf = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const v = order[k];
    let finish = makespan;
    for (let e = succStart[v]; e < succStart[v + 1]; e++) if (ls[succ[e]] < finish) finish = ls[succ[e]];
    lf[v] = finish;
    ls[v] = finish - duration[v];
  }
  return { earliestStart: es, earliestFinish: ef, latestStart: ls, latestFinish: lf, makespan };
}

/** One longest path from `order`'s first task finishing at the makespan; its durations add up to the makespan. */
export function extractCriticalPath(dag: Dag, cpm: Cpm, order: Int32Array): number[] {
  for (let k = 0; k < order.length; k++)
    if (cpm.earliestFinish[order[k]] === cpm.makespan) return chainTo(dag, cpm, order[k]);
  return [];
}

/**
 * The longest chain ending at `v`, walking back through predecessors that finish exactly when the current task
 * starts; `limit` keeps only its last tasks.
 */
export function chainTo(dag: Dag, cpm: Cpm, v: number, limit = Infinity): number[] {
  const path = [v];
  while (path.length < limit) {
    let prev = -1;
    for (let e = dag.predStart[v]; e < dag.predStart[v + 1] && prev < 0; e++)
      if (cpm.earliestFinish[dag.pred[e]] === cpm.earliestStart[v]) prev = dag.pred[e];
    if (prev < 0) break;
    path.push(prev);
    v = prev;
  }
  return path.reverse();
}

/** Tasks on the chain chainTo would walk from each task, for all tasks in one forward pass. */
export function chainLengths(dag: Dag, cpm: Cpm, order: Int32Array): Int32Array {
  const length = new Int32Array(dag.n);
  for (let k = 0; k < order.length; k++) {
    const v = order[k];
    let prev = -1;
    for (let e = dag.predStart[v]; e < dag.predStart[v + 1] && prev < 0; e++)
      if (cpm.earliestFinish[dag.pred[e]] === cpm.earliestStart[v]) prev = dag.pred[e];
    length[v] = prev < 0 ? 1 : length[prev] + 1;
  }
  return length;
}

/** Sort key that puts higher ranks first. */
export function descending(rank: Uint8Array): Float64Array {
  const key = new Float64Array(rank.length);
  for (let i = 0; i < rank.length; i++) key[i] = -rank[i];
  return key;
}

/** Stage of a task = longest chain of predecessors before it; a task and its prerequisite never share one. */
export function stageIndex(dag: Dag, order: Int32Array): Int32Array {
  const level = new Int32Array(dag.n);
  for (let k = 0; k < order.length; k++) {
    const v = order[k];
    let l = 0;
    for (let e = dag.predStart[v]; e < dag.predStart[v + 1]; e++)
      if (level[dag.pred[e]] + 1 > l) l = level[dag.pred[e]] + 1;
    level[v] = l;
  }
  return level;
}

/** Groups tasks by stage, each stage listed in `order`. */
export function groupStages(level: Int32Array, order: Int32Array): number[][] {
  const stages: number[][] = [];
  for (let k = 0; k < order.length; k++) {
    const v = order[k];
    (stages[level[v]] ??= []).push(v);
  }
  return stages;
}
