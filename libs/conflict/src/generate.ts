// Deterministic workloads for benchmarks, simulations and tests: one seed reproduces the whole task set.
import type { ConflictInput, TaskPriority, TaskRequest } from './types';

export interface TaskSetShape {
  tasks: number;
  /** Distinct dependency edges, planted cycles included. */
  dependencies: number;
  seed: number;
  /** Planted cycles, each closed by one back edge over a short forward chain (default tasks / 1000, at least 1). */
  cycles?: number;
  /** Tasks that use a resource (default tasks / 10); resources number users / 5. */
  resourceUsers?: number;
  /** Dependencies on ids not in the set (default 2). */
  unknownReferences?: number;
  /** Epoch ms the windows and deadlines are laid out from. */
  now: number;
}

/** splitmix32: small, fast and good enough to spread a seed over a workload. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

const PRIORITY_SHARES: Array<[TaskPriority, number]> = [
  ['critical', 0.1],
  ['high', 0.35],
  ['medium', 0.7],
  ['low', 1],
];

/** Mostly acyclic: edges point forward in a hidden shuffled order (within a span), apart from the planted cycles. */
export function generateTaskSet(shape: TaskSetShape): ConflictInput {
  const n = shape.tasks;
  const random = prng(shape.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const width = String(n).length;
  const ids = Array.from({ length: n }, (_, i) => `task-${String(i).padStart(width, '0')}`);
  for (let i = n - 1; i > 0; i--) {
    const j = int(0, i);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const deps: Array<Set<number>> = Array.from({ length: n }, () => new Set());
  let edges = 0;
  const link = (from: number, to: number) => {
    if (from === to || deps[to].has(from)) return;
    deps[to].add(from);
    edges++;
  };
  const cycles = n < 2 ? 0 : (shape.cycles ?? Math.max(1, Math.floor(n / 1000)));
  for (let c = 0; c < cycles; c++) {
    const p = int(0, n - 2);
    const q = Math.min(n - 1, p + int(1, 3));
    for (let k = p; k < q; k++) link(k, k + 1);
    link(q, p);
  }
  const span = 200;
  const target = Math.min(shape.dependencies, (n * Math.min(span, n - 1)) / 2);
  while (edges < target) {
    const to = int(1, n - 1);
    link(int(Math.max(0, to - span), to - 1), to);
  }

  const users = Math.min(n, shape.resourceUsers ?? Math.floor(n / 10));
  const resourceCount = Math.max(1, Math.floor(users / 5));
  const uses = new Map<number, number>();
  while (uses.size < users) uses.set(int(0, n - 1), int(0, resourceCount - 1));
  const iso = (ms: number) => new Date(ms).toISOString();
  const day = 86_400_000;

  const tasks: TaskRequest[] = ids.map((id, k) => {
    const roll = random();
    const priority = PRIORITY_SHARES.find(([, share]) => roll < share)![0];
    const duration = int(60, 3600);
    const task: TaskRequest = {
      id,
      workflowId: `workflow-${k % 16}`,
      requiredCapabilities: [{ capabilityId: 'data-processing', version: '1.0', weight: 1 }],
      priority,
      deadline: iso(shape.now + (random() < 0.01 ? duration * 1500 : 3650 * day)),
      budget: { maxTokens: int(1000, 10000), maxCost: int(1, 100), currency: 'USD' },
      dependencies: [...deps[k]].map((d) => ids[d]),
      metadata: {
        createdBy: 'generator',
        createdAt: iso(shape.now),
        estimatedDuration: duration,
        complexity: 'moderate',
        category: 'bench',
      },
    };
    const resource = uses.get(k);
    if (resource !== undefined) {
      const exclusive = random() < 0.5;
      task.resources = [
        {
          id: `resource-${resource}`,
          mode: exclusive ? 'exclusive' : 'shared',
          units: exclusive ? 1 : int(1, 3),
        },
      ];
      const start = shape.now + int(0, 2 * day);
      task.window = { start: iso(start), end: iso(start + duration * int(1000, 3000)) };
    }
    return task;
  });
  for (let u = 0; u < (shape.unknownReferences ?? 2) && n > 0; u++)
    tasks[int(0, n - 1)].dependencies!.push(`ghost-${u}`);
  const resources = Array.from({ length: resourceCount }, (_, r) => ({ id: `resource-${r}`, capacity: 4 }));
  const committed = tasks.reduce((sum, t) => sum + (t.budget?.maxCost ?? 0), 0);
  return { tasks, resources, budget: { maxCost: Math.floor(committed * 0.9), currency: 'USD' } };
}
