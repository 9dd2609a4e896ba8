import { ConflictInputError, detectConflicts, resolveConflicts } from '@ossa/conflict';
import { at, NOW, task } from '../test/fixtures';
import type { ConflictInput, ResourceUse, TaskRequest } from './types';

const bus: ResourceUse = { id: 'information-bus', mode: 'exclusive' };
const windowed = (start: number, end: number, resources?: ResourceUse[]): Partial<TaskRequest> => ({
  window: { start: at(start), end: at(end) },
  ...(resources ? { resources } : {}),
});
const ofKind = (input: ConflictInput, kind: string) =>
  detectConflicts(input, { now: NOW }).filter((c) => c.kind === kind);

// Mars Pathfinder, 1997 (G. Reeves, "What really happened on Mars?", and Sha, Rajkumar & Lehoczky, "Priority
// Inheritance Protocols", IEEE Trans. Computers 1990): the low-priority meteorological task ASI/MET held the
// information-bus mutex, the high-priority bus manager bc_dist blocked on it, and medium-priority communication
// tasks kept running ahead of ASI/MET — an unbounded priority inversion, fixed by enabling priority inheritance.
const pathfinder: ConflictInput = {
  tasks: [
    task('asi_met', 'low', [], 40, windowed(0, 50, [bus])),
    task('bc_dist', 'high', [], 5, windowed(10, 30, [bus])),
    task('comms', 'medium', [], 60, windowed(5, 100)),
  ],
};

describe('priority inversion', () => {
  it('detects the Mars Pathfinder inversion through the information bus', () => {
    const [inversion] = ofKind(pathfinder, 'priority-inversion');
    expect(inversion.tasks).toEqual(['asi_met', 'bc_dist', 'comms']);
    expect(inversion.evidence).toMatchObject({
      via: 'resource',
      resource: 'information-bus',
      waiting: 'bc_dist',
      blocking: 'asi_met',
      runnable: 'comms',
    });
  });

  it('resolves it by priority inheritance: ASI/MET runs at high priority and releases the bus first', () => {
    const plan = resolveConflicts(pathfinder, { now: NOW, strategies: ['cooperative'] });
    expect(plan.priorityAdjustments).toEqual([
      {
        taskId: 'asi_met',
        from: 'low',
        to: 'high',
        reason: 'priority-inheritance',
        inheritedFrom: 'bc_dist',
      },
    ]);
    expect(plan.order.indexOf('asi_met')).toBeLessThan(plan.order.indexOf('bc_dist'));
    const stageOf = (id: string) => plan.stages.findIndex((s) => s.includes(id));
    expect(stageOf('asi_met')).not.toBe(stageOf('bc_dist'));
  });

  it('lets bc_dist preempt the bus under the preemptive strategy', () => {
    const plan = resolveConflicts(pathfinder, { now: NOW, strategies: ['preemptive'] });
    expect(plan.strategy).toBe('preemptive');
    expect(plan.order.indexOf('bc_dist')).toBeLessThan(plan.order.indexOf('asi_met'));
  });

  it('is no inversion when the high-priority task takes the bus first or no medium task can run', () => {
    const grabsFirst = {
      tasks: [
        pathfinder.tasks[0],
        { ...pathfinder.tasks[1], ...windowed(-5, 30, [bus]) },
        pathfinder.tasks[2],
      ],
    };
    expect(ofKind(grabsFirst, 'priority-inversion')).toEqual([]);
    expect(ofKind({ tasks: pathfinder.tasks.slice(0, 2) }, 'priority-inversion')).toEqual([]);
    expect(ofKind({ tasks: pathfinder.tasks.slice(0, 2) }, 'resource-contention')).toHaveLength(1);
  });

  it('follows a waiting chain through dependencies and raises every task on it', () => {
    const input = {
      tasks: [task('l', 'low'), task('x', 'high', ['l']), task('h', 'critical', ['x']), task('m', 'medium')],
    };
    const [inversion] = ofKind(input, 'priority-inversion');
    expect(inversion.evidence).toMatchObject({
      via: 'dependency',
      waiting: 'h',
      blocking: 'l',
      runnable: 'm',
      chain: ['l', 'x', 'h'],
    });
    const plan = resolveConflicts(input, { now: NOW });
    expect(plan.priorityAdjustments.map((p) => [p.taskId, p.to])).toEqual([
      ['l', 'critical'],
      ['x', 'critical'],
    ]);
  });

  it('needs a runnable intermediate task: none when the medium task itself waits on the low one', () => {
    const input = { tasks: [task('l', 'low'), task('h', 'critical', ['l']), task('m', 'medium', ['l'])] };
    expect(ofKind(input, 'priority-inversion')).toEqual([]);
  });
});

describe('resource contention', () => {
  const gpu = (mode: 'exclusive' | 'shared', units?: number): ResourceUse[] => [
    { id: 'gpu', mode, ...(units ? { units } : {}) },
  ];

  it('flags exclusive use over overlapping windows, not over disjoint or touching ones', () => {
    const overlapping = {
      tasks: [
        task('a', 'low', [], 1, windowed(0, 10, gpu('exclusive'))),
        task('b', 'low', [], 1, windowed(5, 15, gpu('shared'))),
      ],
    };
    expect(ofKind(overlapping, 'resource-contention')).toMatchObject([
      { tasks: ['a', 'b'], evidence: { resource: 'gpu', exclusive: ['a'] } },
    ]);
    const touching = {
      tasks: [
        task('a', 'low', [], 1, windowed(0, 10, gpu('exclusive'))),
        task('b', 'low', [], 1, windowed(10, 15, gpu('exclusive'))),
      ],
    };
    expect(ofKind(touching, 'resource-contention')).toEqual([]);
  });

  it('treats tasks without windows as overlapping', () => {
    const input = {
      tasks: [
        task('a', 'low', [], 1, { resources: gpu('exclusive') }),
        task('b', 'high', [], 1, { resources: gpu('exclusive') }),
      ],
    };
    expect(ofKind(input, 'resource-contention')).toHaveLength(1);
  });

  it('flags shared units above the declared capacity only', () => {
    const make = (units: number) => ({
      tasks: [
        task('a', 'low', [], 1, { resources: gpu('shared', 2) }),
        task('b', 'low', [], 1, { resources: gpu('shared', units) }),
      ],
      resources: [{ id: 'gpu', capacity: 3 }],
    });
    expect(ofKind(make(1), 'resource-contention')).toEqual([]);
    expect(ofKind(make(2), 'resource-contention')).toMatchObject([
      { tasks: ['a', 'b'], evidence: { capacity: 3, peakUnits: 4 } },
    ]);
    expect(ofKind({ tasks: make(9).tasks }, 'resource-contention')).toEqual([]);
  });

  it('flags task budgets that overcommit the shared budget', () => {
    const input = { tasks: [task('a', 'low'), task('b', 'low')], budget: { maxCost: 15, currency: 'USD' } };
    expect(ofKind(input, 'resource-contention')).toMatchObject([
      { tasks: ['a', 'b'], evidence: { resource: 'budget', committedCost: 20, maxCost: 15 } },
    ]);
    expect(ofKind({ ...input, budget: { maxCost: 20, currency: 'USD' } }, 'resource-contention')).toEqual([]);
  });
});

describe('deadlines and references', () => {
  it('flags a task whose earliest finish along its critical path is past its deadline, measured from now', () => {
    const input = { tasks: [task('a', 'high', [], 10), task('b', 'high', ['a'], 10, { deadline: at(15) })] };
    const [late] = ofKind(input, 'deadline-infeasible');
    expect(late).toMatchObject({
      tasks: ['b'],
      evidence: { earliestFinish: 20, deadlineIn: 15, lateness: 5, path: ['a', 'b'] },
    });
    expect(
      detectConflicts(input, { now: NOW - 10_000 }).filter((c) => c.kind === 'deadline-infeasible'),
    ).toEqual([]);
  });

  it('reports dependencies on unknown tasks and ignores them otherwise', () => {
    const input = { tasks: [task('a', 'low', ['ghost', 'b', 'phantom']), task('b', 'low')] };
    expect(ofKind(input, 'unknown-reference')).toEqual([
      expect.objectContaining({ tasks: ['a'], evidence: { missing: ['ghost', 'phantom'] } }),
    ]);
    expect(resolveConflicts(input, { now: NOW }).order).toEqual(['b', 'a']);
  });

  it('finds nothing in a conflict-free set', () => {
    expect(detectConflicts({ tasks: [task('a', 'low'), task('b', 'high', ['a'])] }, { now: NOW })).toEqual(
      [],
    );
  });
});

describe('bad input', () => {
  const rejects = (input: unknown, field: string, now: unknown = NOW) => {
    try {
      detectConflicts(input as ConflictInput, { now: now as number });
      throw new Error('expected a ConflictInputError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConflictInputError);
      expect((err as ConflictInputError).code).toBe('VALIDATION_FAILED');
      expect((err as ConflictInputError).details.field).toBe(field);
    }
  };

  it('rejects duplicate ids, unknown priorities, negative durations, reversed windows and a bad clock', () => {
    rejects({ tasks: [task('a', 'low'), task('a', 'high')] }, 'tasks.id');
    rejects({ tasks: [{ ...task('a', 'low'), priority: 'urgent' }] }, 'a.priority');
    rejects({ tasks: [task('a', 'low', [], -1)] }, 'a.metadata.estimatedDuration');
    rejects({ tasks: [task('a', 'low', [], 1, { window: { start: at(10), end: at(5) } })] }, 'a.window');
    rejects({ tasks: [task('a', 'low', [], 1, { deadline: 'tomorrow' })] }, 'a.deadline');
    rejects(
      { tasks: [task('a', 'low', [], 1, { resources: [{ id: 'r', mode: 'borrowed' as 'shared' }] })] },
      'a.resources.r',
    );
    rejects({ tasks: {} }, 'tasks');
    rejects({ tasks: [] }, 'now', 'not a date');
  });
});
