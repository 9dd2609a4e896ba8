import fc from 'fast-check';
import { analyzeDependencies, detectConflicts, resolveConflicts } from '@ossa/conflict';
import { arbitraryInput, keptEdges, NOW, task } from '../test/fixtures';
import type { ConflictInput, TaskPriority } from './types';

/** Builds an input from directed edges "u -> v", read as "v depends on u". */
function fromEdges(
  nodes: string[],
  edges: Array<[string, string]>,
  priority: (id: string) => TaskPriority = () => 'medium',
): ConflictInput {
  return {
    tasks: nodes.map((id) =>
      task(
        id,
        priority(id),
        edges.filter(([, v]) => v === id).map(([u]) => u),
      ),
    ),
  };
}

const cycleConflicts = (input: ConflictInput) =>
  detectConflicts(input, { now: NOW }).filter((c) => c.kind === 'dependency-cycle');

/** Checks that `cycle` is elementary, closed, inside `component`, and follows real dependency edges. */
function expectElementaryCycle(input: ConflictInput, cycle: string[], component: string[]): void {
  const deps = new Map(input.tasks.map((t) => [t.id, new Set(t.dependencies)]));
  expect(cycle[0]).toBe(cycle[cycle.length - 1]);
  expect(new Set(cycle.slice(0, -1)).size).toBe(cycle.length - 1);
  for (let k = 0; k + 1 < cycle.length; k++) {
    expect(component).toContain(cycle[k]);
    expect(deps.get(cycle[k + 1])!.has(cycle[k])).toBe(true);
  }
}

describe('dependency cycles (Tarjan SCC)', () => {
  it('finds the four components of the CLRS example, self-loop included', () => {
    // Cormen, Leiserson, Rivest, Stein, Introduction to Algorithms, 3rd ed., Figure 22.9: components
    // {a,b,e}, {c,d}, {f,g}, {h}; h has a self-loop, so all four are cycles.
    const edges: Array<[string, string]> = [
      ['a', 'b'],
      ['b', 'c'],
      ['b', 'e'],
      ['b', 'f'],
      ['c', 'd'],
      ['c', 'g'],
      ['d', 'c'],
      ['d', 'h'],
      ['e', 'a'],
      ['e', 'f'],
      ['f', 'g'],
      ['g', 'f'],
      ['g', 'h'],
      ['h', 'h'],
    ];
    const input = fromEdges(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], edges);
    const found = cycleConflicts(input);
    expect(found.map((c) => c.tasks)).toEqual([['a', 'b', 'e'], ['c', 'd'], ['f', 'g'], ['h']]);
    for (const c of found) expectElementaryCycle(input, c.evidence.cycle as string[], c.tasks);
    expect(found[3].evidence).toMatchObject({ selfLoop: true, cycle: ['h', 'h'] });
  });

  it('finds the strong components of tinyDG.txt', () => {
    // Sedgewick & Wayne, Algorithms 4th ed., §4.2, tinyDG.txt (13 vertices, 22 edges): five strong components
    // {1}, {0,2,3,4,5}, {9,10,11,12}, {6,8}, {7}; only the three with more than one vertex are cycles.
    const pairs = [
      4, 2, 2, 3, 3, 2, 6, 0, 0, 1, 2, 0, 11, 12, 12, 9, 9, 10, 9, 11, 7, 9, 10, 12, 11, 4, 4, 3, 3, 5, 6, 8,
      8, 6, 5, 4, 0, 5, 6, 4, 6, 9, 7, 6,
    ];
    const edges: Array<[string, string]> = [];
    for (let k = 0; k < pairs.length; k += 2) edges.push([`v${pairs[k]}`, `v${pairs[k + 1]}`]);
    const input = fromEdges(
      Array.from({ length: 13 }, (_, i) => `v${i}`),
      edges,
    );
    const found = cycleConflicts(input);
    const components = found.map((c) => [...c.tasks].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))));
    expect(components).toEqual([
      ['v0', 'v2', 'v3', 'v4', 'v5'],
      ['v9', 'v10', 'v11', 'v12'],
      ['v6', 'v8'],
    ]);
    for (const c of found) expectElementaryCycle(input, c.evidence.cycle as string[], c.tasks);
  });

  it('reports no cycle in a DAG', () => {
    const input = fromEdges(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['a', 'c'],
      ],
    );
    expect(cycleConflicts(input)).toEqual([]);
  });

  it('reports exactly the mutual-reachability classes of any graph (property)', () => {
    fc.assert(
      fc.property(arbitraryInput(10), (input) => {
        const ids = input.tasks.map((t) => t.id).sort();
        const at = new Map(ids.map((id, i) => [id, i]));
        const reach = ids.map(() => ids.map(() => false));
        for (const t of input.tasks)
          for (const d of t.dependencies ?? []) if (at.has(d)) reach[at.get(d)!][at.get(t.id)!] = true;
        for (let k = 0; k < ids.length; k++)
          for (let i = 0; i < ids.length; i++)
            for (let j = 0; j < ids.length; j++) reach[i][j] ||= reach[i][k] && reach[k][j];
        const expected: string[][] = [];
        const seen = new Set<number>();
        ids.forEach((_, i) => {
          if (seen.has(i)) return;
          const group = ids.map((_, j) => j).filter((j) => j === i || (reach[i][j] && reach[j][i]));
          group.forEach((j) => seen.add(j));
          if (group.length > 1 || reach[i][i]) expected.push(group.map((j) => ids[j]));
        });
        expect(cycleConflicts(input).map((c) => c.tasks)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe('cycle breaking', () => {
  it('removes the dependency whose dependent has the lowest priority', () => {
    // a -> b -> c -> a; costs 10·w(dependent) + w(prerequisite): b<-a = 10·1 + 8, c<-b = 10·4 + 1, a<-c = 10·8 + 4.
    const priorities: Record<string, TaskPriority> = { a: 'critical', b: 'low', c: 'high' };
    const input = fromEdges(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
      ],
      (id) => priorities[id],
    );
    const { removedDependencies, order } = analyzeDependencies(input, { now: NOW });
    expect(removedDependencies).toEqual([
      { taskId: 'b', dependsOn: 'a', cost: 18, cycle: ['a', 'b', 'c', 'a'] },
    ]);
    // What remains, c waits for b and a waits for c, admits one order only.
    expect(order).toEqual(['b', 'c', 'a']);
  });

  it('keeps removing until every cycle of a component is gone', () => {
    // Two cycles sharing b (a <-> b, b <-> c) need two removals.
    const input = fromEdges(
      ['a', 'b', 'c'],
      [
        ['a', 'b'],
        ['b', 'a'],
        ['b', 'c'],
        ['c', 'b'],
      ],
    );
    const { removedDependencies, order } = analyzeDependencies(input, { now: NOW });
    expect(removedDependencies).toHaveLength(2);
    expect(order).toHaveLength(3);
  });

  it('leaves an acyclic remainder whose order covers every task (property)', () => {
    fc.assert(
      fc.property(arbitraryInput(), (input) => {
        const plan = resolveConflicts(input, { now: NOW });
        const position = new Map(plan.order.map((id, k) => [id, k]));
        expect(position.size).toBe(input.tasks.length);
        for (const [before, after] of keptEdges(input, plan.removedDependencies))
          expect(position.get(before)!).toBeLessThan(position.get(after)!);
        const cycles = plan.conflicts.filter((c) => c.kind === 'dependency-cycle').length;
        expect(plan.removedDependencies.length).toBeGreaterThanOrEqual(cycles);
      }),
      { numRuns: 200 },
    );
  });
});
