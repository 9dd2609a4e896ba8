// The four execution strategies as schedules: each is the dependency DAG plus the sequencing edges it adds.
import type { Analysis } from './analysis';
import { buildDag, type Dag } from './dag';
import type { Inheritance } from './inversion';
import type { ResourceUser, TaskGraph } from './model';
import { overUse, pairClashes, type ContentionCluster } from './resources';
import { criticalPathMethod, descending, kahnOrder, type Cpm } from './schedule';
import type { Strategy } from './types';

export interface StrategySchedule {
  strategy: Strategy;
  dag: Dag;
  /** A topological order of `dag`. */
  order: Int32Array;
  cpm: Cpm;
  /** Tasks that wait for a contender to release a resource. */
  yielded: Uint8Array;
  /** Tasks that would have held a resource first but are pushed behind a higher-priority contender. */
  preempted: Uint8Array;
  /** Tasks still over-using a resource in this schedule (running alongside a clashing contender). */
  unsafe: Uint8Array;
}

export interface StrategyContext {
  g: TaskGraph;
  a: Analysis;
  clusters: ContentionCluster[];
  inheritance: Inheritance;
  /** Kahn order of the dependency DAG by effective priority, then id. */
  byPriority: Int32Array;
  /** Kahn order of the dependency DAG first come, first served: window start, effective priority, id. */
  byArrival: Int32Array;
}

export function strategyContext(
  g: TaskGraph,
  a: Analysis,
  clusters: ContentionCluster[],
  inheritance: Inheritance,
): StrategyContext {
  const effective = descending(inheritance.rank);
  const byPriority = kahnOrder(a.dag, effective, new Float64Array(g.n));
  // First come, first served: window start (tasks without one are there from the outset), then priority.
  const byArrival = kahnOrder(a.dag, g.windowStart, effective);
  return { g, a, clusters, inheritance, byPriority, byArrival };
}

/** Which strategies have something to do: cooperative needs contention, preemptive contention across priorities. */
export function applicableStrategies(ctx: StrategyContext): Strategy[] {
  const list: Strategy[] = ['parallel'];
  if (ctx.clusters.length > 0) list.push('cooperative');
  if (ctx.clusters.some((c) => c.users.some((u) => ctx.g.rank[u.task] !== ctx.g.rank[c.users[0].task])))
    list.push('preemptive');
  list.push('sequential');
  return list;
}

export function buildSchedule(ctx: StrategyContext, strategy: Strategy): StrategySchedule {
  const { g, a, byPriority } = ctx;
  switch (strategy) {
    case 'parallel':
      return finish(ctx, strategy, a.dag, byPriority, empty(g.n), empty(g.n));
    case 'sequential': {
      // The chain alone implies every dependency (the order is topological), so it is the whole schedule graph.
      const chain = buildDag(g.n, byPriority.subarray(0, Math.max(0, g.n - 1)), byPriority.subarray(1));
      return finish(ctx, strategy, chain, byPriority, handedOver(ctx, byPriority), empty(g.n));
    }
    case 'cooperative': {
      const order = ctx.byArrival;
      const { dag, yielded } = sequenceContenders(ctx, order);
      return finish(ctx, strategy, dag, order, yielded, empty(g.n));
    }
    case 'preemptive': {
      const cooperative = positions(ctx.byArrival);
      const order = kahnOrder(a.dag, descending(g.rank), Float64Array.from(cooperative));
      const { dag, yielded } = sequenceContenders(ctx, order);
      return finish(ctx, strategy, dag, order, yielded, preemptedTasks(ctx, cooperative, positions(order)));
    }
  }
}

const empty = (n: number) => new Uint8Array(n);

/** In a one-at-a-time schedule, every contention-cluster user but the first receives the resource from another. */
function handedOver(ctx: StrategyContext, order: Int32Array): Uint8Array {
  const pos = positions(order);
  const yielded = empty(ctx.g.n);
  for (const c of ctx.clusters) {
    let first = c.users[0].task;
    for (const u of c.users) if (pos[u.task] < pos[first]) first = u.task;
    for (const u of c.users) if (u.task !== first) yielded[u.task] = 1;
  }
  return yielded;
}

function positions(order: Int32Array): Int32Array {
  const pos = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) pos[order[k]] = k;
  return pos;
}

/**
 * In each contention cluster, users take turns in `order`: consecutive users share a batch while they fit
 * (no exclusive user, units within capacity); every task of a batch waits for every task of the batch before.
 * All added edges point forward in `order`, so the result stays acyclic and `order` stays topological.
 */
function sequenceContenders(ctx: StrategyContext, order: Int32Array): { dag: Dag; yielded: Uint8Array } {
  const { g, a, clusters } = ctx;
  const pos = positions(order);
  const yielded = empty(g.n);
  const from: number[] = [];
  const to: number[] = [];
  for (const cluster of clusters) {
    const users = cluster.users.slice().sort((x, y) => pos[x.task] - pos[y.task]);
    let previous: ResourceUser[] = [];
    let batch: ResourceUser[] = [];
    let units = 0;
    const close = () => {
      for (const p of previous)
        for (const b of batch) {
          from.push(p.task);
          to.push(b.task);
        }
      if (previous.length > 0) for (const b of batch) yielded[b.task] = 1;
      previous = batch;
    };
    for (const u of users) {
      const fits =
        batch.length > 0 &&
        !u.exclusive &&
        !batch[0].exclusive &&
        units + u.units <= cluster.resource.capacity;
      if (batch.length > 0 && !fits) {
        close();
        batch = [];
        units = 0;
      }
      batch.push(u);
      units += u.exclusive ? 0 : u.units;
    }
    close();
  }
  return { dag: withEdges(g, a, from, to), yielded };
}

/** A task is preempted when a clashing contender of higher own priority, arriving after it, now goes first. */
function preemptedTasks(ctx: StrategyContext, cooperative: Int32Array, preemptive: Int32Array): Uint8Array {
  const { g, clusters } = ctx;
  const preempted = empty(g.n);
  for (const c of clusters)
    for (const low of c.users)
      for (const high of c.users)
        if (
          g.rank[high.task] > g.rank[low.task] &&
          cooperative[low.task] < cooperative[high.task] &&
          preemptive[high.task] < preemptive[low.task] &&
          pairClashes(g, low, high, c.resource.capacity)
        )
          preempted[low.task] = 1;
  return preempted;
}

/** The dependency DAG plus extra edges `from[k] -> to[k]`. */
function withEdges(g: TaskGraph, a: Analysis, from: ArrayLike<number>, to: ArrayLike<number>): Dag {
  if (from.length === 0) return a.dag;
  const { succStart, succ } = a.dag;
  const m = succ.length + from.length;
  const allFrom = new Int32Array(m);
  const allTo = new Int32Array(m);
  allFrom.set(from);
  allTo.set(to);
  let k = from.length;
  for (let v = 0; v < g.n; v++)
    for (let e = succStart[v]; e < succStart[v + 1]; e++) {
      allFrom[k] = v;
      allTo[k++] = succ[e];
    }
  return buildDag(g.n, allFrom, allTo);
}

function finish(
  ctx: StrategyContext,
  strategy: Strategy,
  dag: Dag,
  order: Int32Array,
  yielded: Uint8Array,
  preempted: Uint8Array,
): StrategySchedule {
  const cpm = criticalPathMethod(dag, ctx.g.duration, order);
  const unsafe = empty(ctx.g.n);
  const startOf = (t: number) => cpm.earliestStart[t];
  const endOf = (t: number) => cpm.earliestFinish[t];
  for (const c of ctx.clusters)
    for (const t of overUse(c.users, c.resource.capacity, startOf, endOf).involved) unsafe[t] = 1;
  return { strategy, dag, order, cpm, yielded, preempted, unsafe };
}
