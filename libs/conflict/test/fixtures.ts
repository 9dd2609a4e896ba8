// Builders shared by the conflict specs: the seed's task request with only what a case needs spelled out.
import fc from 'fast-check';
import type { ConflictInput, TaskPriority, TaskRequest } from '../src/types';

export const NOW = Date.parse('2026-01-01T00:00:00Z');
export const at = (seconds: number): string => new Date(NOW + seconds * 1000).toISOString();

export function task(
  id: string,
  priority: TaskPriority,
  dependencies: string[] = [],
  duration = 1,
  extra: Partial<TaskRequest> = {},
): TaskRequest {
  return {
    id,
    workflowId: 'workflow-1',
    requiredCapabilities: [{ capabilityId: 'data-processing', version: '1.0', weight: 1 }],
    priority,
    deadline: at(365 * 86_400),
    budget: { maxTokens: 1000, maxCost: 10, currency: 'USD' },
    dependencies,
    metadata: {
      createdBy: 'user-1',
      createdAt: at(0),
      estimatedDuration: duration,
      complexity: 'moderate',
      category: 'test',
    },
    ...extra,
  };
}

/** Every dependency edge as "task<-prerequisite", minus the removed ones. */
export function keptEdges(
  input: ConflictInput,
  removed: Array<{ taskId: string; dependsOn: string }>,
): Array<[string, string]> {
  const ids = new Set(input.tasks.map((t) => t.id));
  const gone = new Set(removed.map((r) => `${r.taskId}<-${r.dependsOn}`));
  const edges: Array<[string, string]> = [];
  for (const t of input.tasks)
    for (const d of t.dependencies ?? []) if (ids.has(d) && !gone.has(`${t.id}<-${d}`)) edges.push([d, t.id]);
  return edges;
}

const PRIORITY = fc.constantFrom<TaskPriority>('critical', 'high', 'medium', 'low');

/**
 * Random conflict sets: up to `max` tasks, dependencies anywhere (so cycles and self-loops happen), a few
 * resources with windows or none, and an occasional unknown reference.
 */
export function arbitraryInput(max = 14): fc.Arbitrary<ConflictInput> {
  return fc
    .integer({ min: 1, max })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        priorities: fc.array(PRIORITY, { minLength: n, maxLength: n }),
        durations: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
        deps: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 3 }), {
          minLength: n,
          maxLength: n,
        }),
        uses: fc.array(
          fc.option(
            fc.record({
              resource: fc.integer({ min: 0, max: 2 }),
              exclusive: fc.boolean(),
              units: fc.integer({ min: 1, max: 3 }),
            }),
          ),
          { minLength: n, maxLength: n },
        ),
        windows: fc.array(
          fc.option(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 30 }))),
          { minLength: n, maxLength: n },
        ),
      }),
    )
    .map(({ n, priorities, durations, deps, uses, windows }) => {
      const id = (i: number) => (i === n ? 'ghost' : `t${i}`);
      const tasks = priorities.map((p, i) => {
        const use = uses[i];
        const w = windows[i];
        return task(
          id(i),
          p,
          deps[i].map(id),
          durations[i],
          use
            ? {
                resources: [
                  { id: `r${use.resource}`, mode: use.exclusive ? 'exclusive' : 'shared', units: use.units },
                ],
                ...(w ? { window: { start: at(w[0]), end: at(w[0] + w[1]) } } : {}),
              }
            : {},
        );
      });
      return {
        tasks,
        resources: [
          { id: 'r0', capacity: 3 },
          { id: 'r1', capacity: 1 },
        ],
      };
    });
}

/** The same input with its tasks (and each task's dependencies) in another order. */
export function shuffled(input: ConflictInput, seed: number): ConflictInput {
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const mix = <T>(xs: T[]) => {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return {
    ...input,
    tasks: mix(input.tasks).map((t) => ({ ...t, dependencies: mix(t.dependencies ?? []) })),
  };
}
