// Priority inversions: a higher-priority task waits, through a dependency or a resource, on a lower-priority one
// while a task of intermediate priority is free to run alongside the lower one.
import type { Analysis } from './analysis';
import type { TaskGraph } from './model';
import { pairClashes, type ContentionCluster } from './resources';

export interface Inversion {
  via: 'dependency' | 'resource';
  /** The higher-priority task that waits. */
  high: number;
  /** The lower-priority task it waits on. */
  low: number;
  /** A task of intermediate priority that can run while `low` runs (same stage, overlapping window). */
  medium: number;
  /** The waiting chain low, ..., high (each a prerequisite of the next); at most EVIDENCE_LIMIT tasks, high last. */
  chain: number[];
  /** Tasks on the full chain. */
  chainLength: number;
  resource?: string;
}

/** Longest chain quoted in evidence; longer ones keep their head and the waiting task. */
export const EVIDENCE_LIMIT = 10;

export interface InversionReport {
  inversions: Inversion[];
  /** Per task: the next task on its waiting chain (dependency inversions), else -1. */
  next: Int32Array;
}

export function findInversions(g: TaskGraph, a: Analysis, clusters: ContentionCluster[]): InversionReport {
  const witness = witnessFinder(g, a);
  const { found, next } = dependencyInversions(g, a, witness);
  for (const cluster of clusters) found.push(...resourceInversions(g, cluster, witness));
  found.sort((x, y) => x.low - y.low || x.high - y.high || (x.via < y.via ? -1 : x.via > y.via ? 1 : 0));
  return { inversions: found, next };
}

type Witness = (low: number, highRank: number, excluded?: Set<number>) => number;

/** Finds a task in the same stage as `low` whose priority lies strictly between, preferring the highest. */
function witnessFinder(g: TaskGraph, a: Analysis): Witness {
  const byStage: number[][][] = [];
  for (let k = 0; k < a.order.length; k++) {
    const v = a.order[k];
    const stage = (byStage[a.level[v]] ??= [[], [], [], []]);
    stage[g.rank[v]].push(v);
  }
  const overlaps = (x: number, y: number) =>
    g.windowStart[x] < g.windowEnd[y] && g.windowStart[y] < g.windowEnd[x];
  return (low, highRank, excluded) => {
    const stage = byStage[a.level[low]];
    for (let r = highRank - 1; r > g.rank[low]; r--)
      for (const m of stage[r]) if (m !== low && !excluded?.has(m) && overlaps(m, low)) return m;
    return -1;
  };
}

/**
 * Reverse topological pass over tight edges (prerequisite finishes exactly when the dependent can start): the
 * highest-priority task each task holds up, directly or through a chain of such edges.
 */
function dependencyInversions(
  g: TaskGraph,
  a: Analysis,
  witness: Witness,
): { found: Inversion[]; next: Int32Array } {
  const { n } = g;
  const { succStart, succ } = a.dag;
  const waitRank = new Int8Array(n).fill(-1);
  const waiter = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const length = new Int32Array(n);
  const { earliestStart, earliestFinish } = a.cpm;
  for (let k = a.order.length - 1; k >= 0; k--) {
    const v = a.order[k];
    for (let e = succStart[v]; e < succStart[v + 1]; e++) {
      const w = succ[e];
      // w waits on v only if v is what sets w's earliest start; a prerequisite with slack holds nobody up.
      if (earliestFinish[v] !== earliestStart[w]) continue;
      const direct = g.rank[w] >= waitRank[w];
      const r = direct ? g.rank[w] : waitRank[w];
      const who = direct ? w : waiter[w];
      if (r > waitRank[v] || (r === waitRank[v] && who < waiter[v])) {
        waitRank[v] = r;
        waiter[v] = who;
        next[v] = w;
        length[v] = direct ? 2 : length[w] + 1;
      }
    }
  }
  const found: Inversion[] = [];
  for (let v = 0; v < n; v++) {
    if (waitRank[v] < g.rank[v] + 2) continue;
    const medium = witness(v, waitRank[v]);
    if (medium < 0) continue;
    const high = waiter[v];
    const chain = [v];
    for (let x = next[v]; x !== high && chain.length < EVIDENCE_LIMIT - 1; x = next[x]) chain.push(x);
    chain.push(high);
    found.push({ via: 'dependency', high, low: v, medium, chain, chainLength: length[v] });
  }
  return { found, next };
}

/** Within a contention cluster, a lower-priority user that may hold the resource first blocks a higher one. */
function resourceInversions(g: TaskGraph, cluster: ContentionCluster, witness: Witness): Inversion[] {
  const users = cluster.users;
  const holders = new Set(users.map((u) => u.task));
  const found: Inversion[] = [];
  for (const low of users) {
    let high = -1;
    for (const h of users) {
      if (g.rank[h.task] < g.rank[low.task] + 2) continue;
      if (g.windowStart[low.task] > g.windowStart[h.task]) continue;
      if (!pairClashes(g, low, h, cluster.resource.capacity)) continue;
      if (high < 0 || g.rank[h.task] > g.rank[high] || (g.rank[h.task] === g.rank[high] && h.task < high))
        high = h.task;
    }
    if (high < 0) continue;
    const medium = witness(low.task, g.rank[high], holders);
    if (medium < 0) continue;
    found.push({
      via: 'resource',
      high,
      low: low.task,
      medium,
      chain: [low.task, high],
      chainLength: 2,
      resource: cluster.resource.id,
    });
  }
  return found;
}

export interface Inheritance {
  /** Effective priority rank per task after inheritance. */
  rank: Uint8Array;
  /** The task whose priority was inherited, or -1. */
  from: Int32Array;
}

/**
 * Priority inheritance: the blocking task of each inversion, and every task on its waiting chain below the
 * waiting task's priority, runs at the waiting task's priority. Chains are walked once, in topological order.
 */
export function inheritPriorities(g: TaskGraph, a: Analysis, report: InversionReport): Inheritance {
  const rank = g.rank.slice();
  const from = new Int32Array(g.n).fill(-1);
  const raise = (v: number, high: number) => {
    if (v === high || rank[v] >= g.rank[high]) return false;
    rank[v] = g.rank[high];
    from[v] = high;
    return true;
  };
  const chainHigh = new Int32Array(g.n).fill(-1);
  for (const inv of report.inversions) {
    if (inv.via === 'resource') raise(inv.low, inv.high);
    else if (chainHigh[inv.low] < 0 || g.rank[inv.high] > g.rank[chainHigh[inv.low]])
      chainHigh[inv.low] = inv.high;
  }
  for (let k = 0; k < a.order.length; k++) {
    const v = a.order[k];
    const high = chainHigh[v];
    if (high < 0) continue;
    raise(v, high);
    const w = report.next[v];
    if (w >= 0 && w !== high && (chainHigh[w] < 0 || g.rank[high] > g.rank[chainHigh[w]]))
      chainHigh[w] = high;
  }
  return { rank, from };
}
