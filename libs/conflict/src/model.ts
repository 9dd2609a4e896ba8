// Normalises a conflict input into index-based arrays: tasks sorted by id, so results never depend on input order.
import { buildDag, type Dag } from './dag';
import { ConflictInputError } from './errors';
import { IdIndex } from './id-index';
import type { ConflictInput, TaskPriority, TaskRequest } from './types';

export const PRIORITIES: readonly TaskPriority[] = ['low', 'medium', 'high', 'critical'];
/** Weight of a priority rank (low 1, medium 2, high 4, critical 8). */
export const rankWeight = (rank: number): number => 1 << rank;

export interface ResourceUser {
  task: number;
  exclusive: boolean;
  units: number;
}

export interface ResourceModel {
  id: string;
  capacity: number;
  users: ResourceUser[];
}

export interface TaskGraph {
  n: number;
  ids: string[];
  tasks: TaskRequest[];
  /** Index of a task id in the sorted order, or undefined. */
  indexOf: (id: string) => number | undefined;
  rank: Uint8Array;
  duration: Float64Array;
  /** Seconds from `now`; Infinity when the task has none. */
  deadline: Float64Array;
  /** Epoch ms; a task without a window holds its resources over (-Infinity, Infinity). */
  windowStart: Float64Array;
  windowEnd: Float64Array;
  /** budget.maxCost when positive, else the duration: what a redo of the task costs. */
  cost: Float64Array;
  /** Every known dependency edge (cycles included), sorted by (from, to); from is the prerequisite. */
  edgeFrom: Int32Array;
  edgeTo: Int32Array;
  all: Dag;
  unknownReferences: Array<{ taskId: string; missing: string[] }>;
  resources: ResourceModel[];
  now: number;
}

export function parseNow(now: number | string): number {
  const ms = typeof now === 'number' ? now : Date.parse(now);
  if (!Number.isFinite(ms))
    throw new ConflictInputError('`now` must be epoch milliseconds or an ISO instant', {
      field: 'now',
      value: now,
    });
  return ms;
}

function instant(value: unknown, field: () => string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms))
    throw new ConflictInputError(`${field()} must be an ISO instant`, { field: field(), value });
  return ms;
}

function nonNegative(value: unknown, field: () => string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ConflictInputError(`${field()} must be a finite number >= 0`, { field: field(), value });
  return value;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildTaskGraph(input: ConflictInput, nowInput: number | string): TaskGraph {
  const now = parseNow(nowInput);
  if (!input || !Array.isArray(input.tasks))
    throw new ConflictInputError('`tasks` must be an array', { field: 'tasks' });
  const given = input.tasks;
  const givenIds = new Array<string>(given.length);
  for (let i = 0; i < given.length; i++) {
    const t = given[i];
    if (!t || typeof t.id !== 'string' || t.id.length === 0)
      throw new ConflictInputError('every task needs a non-empty string id', {
        field: `tasks[${i}].id`,
        value: t?.id,
      });
    givenIds[i] = t.id;
  }
  const position = new IdIndex(givenIds);
  const twice = position.fill();
  if (twice >= 0)
    throw new ConflictInputError(`task id ${givenIds[twice]} appears twice`, {
      field: 'tasks.id',
      value: givenIds[twice],
    });
  // The default sort orders strings by UTF-16 code units, like `<`, and is faster than a comparator.
  const ids = givenIds.slice().sort();
  const n = ids.length;
  const tasks = new Array<TaskRequest>(n);
  const sortedIndex = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = position.get(ids[k]);
    tasks[k] = given[i];
    sortedIndex[i] = k;
  }
  const indexOf = (id: string): number | undefined => {
    const i = position.get(id);
    return i < 0 ? undefined : sortedIndex[i];
  };

  const rank = new Uint8Array(n);
  const duration = new Float64Array(n);
  const deadline = new Float64Array(n);
  const windowStart = new Float64Array(n);
  const windowEnd = new Float64Array(n);
  const cost = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = tasks[i];
    const r = PRIORITIES.indexOf(t.priority);
    if (r < 0)
      throw new ConflictInputError(`task ${t.id}: priority must be one of ${PRIORITIES.join(', ')}`, {
        field: `${t.id}.priority`,
        value: t.priority,
      });
    rank[i] = r;
    duration[i] = nonNegative(
      t.duration ?? t.metadata?.estimatedDuration,
      () => `${t.id}.metadata.estimatedDuration`,
      0,
    );
    deadline[i] =
      t.deadline === undefined || t.deadline === null
        ? Infinity
        : (instant(t.deadline, () => `${t.id}.deadline`) - now) / 1000;
    if (t.window) {
      windowStart[i] = instant(t.window.start, () => `${t.id}.window.start`);
      windowEnd[i] = instant(t.window.end, () => `${t.id}.window.end`);
      if (windowEnd[i] < windowStart[i])
        throw new ConflictInputError(`task ${t.id}: window ends before it starts`, {
          field: `${t.id}.window`,
          value: t.window,
        });
    } else {
      windowStart[i] = -Infinity;
      windowEnd[i] = Infinity;
    }
    const maxCost = nonNegative(t.budget?.maxCost, () => `${t.id}.budget.maxCost`, 0);
    cost[i] = maxCost > 0 ? maxCost : duration[i];
  }

  const { edgeFrom, edgeTo, unknownReferences } = collectEdges(tasks, indexOf);
  return {
    n,
    ids,
    tasks,
    indexOf,
    rank,
    duration,
    deadline,
    windowStart,
    windowEnd,
    cost,
    edgeFrom,
    edgeTo,
    all: buildDag(n, edgeFrom, edgeTo),
    unknownReferences,
    resources: collectResources(input, tasks),
    now,
  };
}

function collectEdges(tasks: TaskRequest[], indexOf: (id: string) => number | undefined) {
  let total = 0;
  for (const t of tasks) {
    if (t.dependencies !== undefined && !Array.isArray(t.dependencies))
      throw new ConflictInputError(`task ${t.id}: dependencies must be an array of ids`, {
        field: `${t.id}.dependencies`,
      });
    total += t.dependencies?.length ?? 0;
  }
  const from = new Int32Array(total);
  const to = new Int32Array(total);
  let m = 0;
  const unknownReferences: Array<{ taskId: string; missing: string[] }> = [];
  for (let v = 0; v < tasks.length; v++) {
    const deps = tasks[v].dependencies;
    if (!deps) continue;
    const first = m;
    let missing: Set<string> | undefined;
    for (let k = 0; k < deps.length; k++) {
      const u = typeof deps[k] === 'string' ? indexOf(deps[k]) : undefined;
      if (u === undefined) {
        (missing ??= new Set()).add(String(deps[k]));
        continue;
      }
      // Insertion into the sorted run of this task's prerequisites, skipping duplicates.
      let j = m;
      while (j > first && from[j - 1] > u) j--;
      if (j > first && from[j - 1] === u) continue;
      from.copyWithin(j + 1, j, m);
      from[j] = u;
      to[m++] = v;
    }
    if (missing) unknownReferences.push({ taskId: tasks[v].id, missing: [...missing].sort(byString) });
  }
  // Counting sort by prerequisite; the pass above added edges in ascending dependent order, so (from, to) is sorted.
  const start = new Int32Array(tasks.length + 1);
  for (let e = 0; e < m; e++) start[from[e] + 1]++;
  for (let i = 0; i < tasks.length; i++) start[i + 1] += start[i];
  const edgeFrom = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  for (let e = 0; e < m; e++) {
    const k = start[from[e]]++;
    edgeFrom[k] = from[e];
    edgeTo[k] = to[e];
  }
  return { edgeFrom, edgeTo, unknownReferences };
}

function collectResources(input: ConflictInput, tasks: TaskRequest[]): ResourceModel[] {
  const byId = new Map<string, ResourceModel>();
  (input.resources ?? []).forEach((r, i) => {
    if (!r || typeof r.id !== 'string')
      throw new ConflictInputError('resources need a string id', { field: `resources[${i}].id` });
    if (byId.has(r.id))
      throw new ConflictInputError(`resource ${r.id} is declared twice`, {
        field: 'resources.id',
        value: r.id,
      });
    const capacity = nonNegative(r.capacity, () => `resources.${r.id}.capacity`, Infinity);
    byId.set(r.id, { id: r.id, capacity, users: [] });
  });
  tasks.forEach((t, i) => {
    const seen = new Set<string>();
    for (const use of t.resources ?? []) {
      const field = `${t.id}.resources.${use?.id}`;
      if (!use || typeof use.id !== 'string')
        throw new ConflictInputError(`task ${t.id}: resource uses need a string id`, { field });
      if (use.mode !== 'exclusive' && use.mode !== 'shared')
        throw new ConflictInputError(`task ${t.id}: resource mode must be exclusive or shared`, {
          field,
          value: use.mode,
        });
      if (seen.has(use.id))
        throw new ConflictInputError(`task ${t.id} lists resource ${use.id} twice`, { field });
      seen.add(use.id);
      let model = byId.get(use.id);
      if (!model) byId.set(use.id, (model = { id: use.id, capacity: Infinity, users: [] }));
      model.users.push({
        task: i,
        exclusive: use.mode === 'exclusive',
        units: nonNegative(use.units, () => field, 1),
      });
    }
  });
  return [...byId.values()].sort((a, b) => byString(a.id, b.id));
}
