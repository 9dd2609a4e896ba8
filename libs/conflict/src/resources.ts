// Resource contention: exclusive use or capacity exceeded over overlapping windows, and shared budget overcommit.
import type { ResourceModel, ResourceUser, TaskGraph } from './model';
import type { ConflictInput } from './types';

export interface ContentionCluster {
  resource: ResourceModel;
  /** Users whose windows overlap transitively, sorted by (window start, task). */
  users: ResourceUser[];
  /** Users present at some instant where the resource is over-used, sorted. */
  involved: number[];
  peakUnits: number;
  peakUsers: number;
}

export interface OverUse {
  involved: number[];
  /** Most shared units held at one instant. */
  peakUnits: number;
  /** Most users holding the resource at one instant. */
  peakUsers: number;
}

/**
 * Sweeps half-open intervals [startOf, endOf): at any instant, two active users with one exclusive, or active units
 * above capacity, is over-use. Empty intervals are never active.
 */
export function overUse(
  users: ResourceUser[],
  capacity: number,
  startOf: (task: number) => number,
  endOf: (task: number) => number,
): OverUse {
  const events: Array<[number, number, ResourceUser]> = [];
  for (const u of users) {
    if (!(endOf(u.task) > startOf(u.task))) continue;
    events.push([startOf(u.task), 1, u], [endOf(u.task), 0, u]);
  }
  // Ends before starts at the same instant: [a, b) and [b, c) do not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].task - b[2].task);
  const active: ResourceUser[] = [];
  const involved = new Set<number>();
  let units = 0;
  let peakUnits = 0;
  let peakUsers = 0;
  for (const [, isStart, u] of events) {
    if (!isStart) {
      active.splice(active.indexOf(u), 1);
      units -= u.exclusive ? 0 : u.units;
      continue;
    }
    active.push(u);
    units += u.exclusive ? 0 : u.units;
    const exclusiveClash = active.length > 1 && active.some((a) => a.exclusive);
    peakUnits = Math.max(peakUnits, units);
    peakUsers = Math.max(peakUsers, active.length);
    if (exclusiveClash || units > capacity) for (const a of active) involved.add(a.task);
  }
  return { involved: [...involved].sort((a, b) => a - b), peakUnits, peakUsers };
}

/** Clusters of users with transitively overlapping windows in which the resource is over-used. */
export function findContention(g: TaskGraph): ContentionCluster[] {
  const clusters: ContentionCluster[] = [];
  const startOf = (t: number) => g.windowStart[t];
  const endOf = (t: number) => g.windowEnd[t];
  for (const resource of g.resources) {
    const users = resource.users.slice().sort((a, b) => startOf(a.task) - startOf(b.task) || a.task - b.task);
    let group: ResourceUser[] = [];
    let reach = -Infinity;
    const flush = () => {
      if (group.length === 0) return;
      const use = overUse(group, resource.capacity, startOf, endOf);
      if (use.involved.length > 0) clusters.push({ resource, users: group, ...use });
    };
    for (const u of users) {
      if (group.length > 0 && !(startOf(u.task) < reach)) {
        flush();
        group = [];
        reach = -Infinity;
      }
      group.push(u);
      reach = Math.max(reach, endOf(u.task));
    }
    flush();
  }
  return clusters;
}

/** Whether two users of one resource cannot hold it at once over overlapping windows. */
export function pairClashes(g: TaskGraph, a: ResourceUser, b: ResourceUser, capacity: number): boolean {
  const overlap = g.windowStart[a.task] < g.windowEnd[b.task] && g.windowStart[b.task] < g.windowEnd[a.task];
  return overlap && (a.exclusive || b.exclusive || a.units + b.units > capacity);
}

export interface BudgetOvercommit {
  tasks: number[];
  committedCost: number;
  committedTokens: number;
  maxCost?: number;
  maxTokens?: number;
  currency?: string;
  /** Tasks left out of the cost sum because their currency differs. */
  otherCurrency: number[];
}

/** Sums task budgets against the request's shared budget; null when within it or when there is none. */
export function budgetOvercommit(g: TaskGraph, input: ConflictInput): BudgetOvercommit | null {
  const shared = input.budget;
  if (!shared || (shared.maxCost === undefined && shared.maxTokens === undefined)) return null;
  let committedCost = 0;
  let committedTokens = 0;
  const tasks: number[] = [];
  const otherCurrency: number[] = [];
  g.tasks.forEach((t, i) => {
    const b = t.budget;
    if (!b) return;
    const sameCurrency = !shared.currency || !b.currency || b.currency === shared.currency;
    if (!sameCurrency) otherCurrency.push(i);
    else committedCost += b.maxCost ?? 0;
    committedTokens += b.maxTokens ?? 0;
    if ((sameCurrency && (b.maxCost ?? 0) > 0) || (b.maxTokens ?? 0) > 0) tasks.push(i);
  });
  const costOver = shared.maxCost !== undefined && committedCost > shared.maxCost;
  const tokensOver = shared.maxTokens !== undefined && committedTokens > shared.maxTokens;
  if (!costOver && !tokensOver) return null;
  return {
    tasks,
    committedCost,
    committedTokens,
    maxCost: shared.maxCost,
    maxTokens: shared.maxTokens,
    currency: shared.currency,
    otherCurrency,
  };
}
