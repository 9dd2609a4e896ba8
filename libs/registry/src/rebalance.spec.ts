import { AgentIndex } from './agent-index';
import { planFailover } from './rebalance';
import { agent, capability, iso, NOW, seedTask } from './test-fixtures';
import type { HandoffTask, Priority } from './types';

const task = (
  id: string,
  priority: Priority,
  deadlineInMs: number | undefined,
  capabilityId = 'a',
): HandoffTask =>
  seedTask({
    id,
    priority,
    deadline: deadlineInMs === undefined ? undefined : iso(NOW + deadlineInMs),
    requiredCapabilities: [{ capabilityId }],
  });

describe('planFailover', () => {
  const failed = agent('dead', [capability('a'), capability('rare')], { state: 'failed' });
  const others = [
    failed,
    agent('w1', [capability('a'), capability('rare')]),
    agent('w2', [capability('a')]),
    agent('w3', [capability('a')]),
  ];

  it('orders by priority, then earliest deadline (none last), then task id', () => {
    const inFlight = [
      task('low-soon', 'low', 1000),
      task('high-none', 'high', undefined),
      task('high-late', 'high', 50_000),
      task('critical', 'critical', 90_000),
      task('high-soon-b', 'high', 10_000),
      task('high-soon-a', 'high', 10_000),
    ];
    const plan = planFailover('dead', inFlight, others, NOW);
    expect(plan.renegotiate.map((e) => e.task.id)).toEqual([
      'critical',
      'high-soon-a',
      'high-soon-b',
      'high-late',
      'high-none',
      'low-soon',
    ]);
    expect(plan.failedAgentId).toBe('dead');
  });

  it('at equal priority and deadline, the task with fewer candidates goes first', () => {
    const plan = planFailover(
      'dead',
      [task('common', 'medium', 5000), task('scarce', 'medium', 5000, 'rare')],
      others,
      NOW,
    );
    expect(plan.renegotiate.map((e) => [e.task.id, e.candidateCount])).toEqual([
      ['scarce', 1],
      ['common', 3],
    ]);
  });

  it('never offers a task back to the failed agent, even if it looks available', () => {
    const revived = [agent('dead', [capability('only-dead')]), agent('w1', [capability('a')])];
    const plan = planFailover('dead', [task('t', 'high', 5000, 'only-dead')], revived, NOW);
    expect(plan.renegotiate).toEqual([]);
    expect(plan.waiting).toEqual([expect.objectContaining({ candidateCount: 0, outcome: 'unavailable' })]);
  });

  it('reports expired tasks instead of renegotiating them, and waits on tasks nobody can take now', () => {
    const busy = [agent('w1', [capability('a')], { currentLoad: 1, maxLoad: 1 })];
    const plan = planFailover(
      'dead',
      [task('late', 'critical', -1), task('stuck', 'high', 5000), task('gone', 'low', 0)],
      busy,
      NOW,
    );
    expect(plan.expired.map((t) => t.id)).toEqual(['late', 'gone']);
    expect(plan.waiting.map((e) => [e.task.id, e.outcome])).toEqual([['stuck', 'capacity_exceeded']]);
    expect(plan.renegotiate).toEqual([]);
  });

  it('gives the same plan over an AgentIndex as over a list', () => {
    const index = new AgentIndex();
    others.forEach((a) => index.upsert(a));
    const inFlight = [task('x', 'low', 100), task('y', 'high', 100, 'rare'), task('z', 'high', 100)];
    expect(planFailover('dead', inFlight, index, NOW)).toEqual(planFailover('dead', inFlight, others, NOW));
  });
});
