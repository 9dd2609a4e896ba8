import type { NatsConnection } from 'nats';
import { generateTaskSet } from '@ossa/conflict';
import { subjectsFor, type ErrorEnvelope, type EventEnvelope } from '@ossa/contracts';
import { NatsConnectionService, readStoredMessages } from '@ossa/messaging';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, natsUrl, requestJson, serviceEnv, testConnection, uniquePrefix, useServices, testCredsFile } from '@ossa/testing';
import { conflictService } from '../../services/conflict/src/definition';

const hour = 3600;

function task(id: string, priority: string, dependencies: string[] = [], extra: Record<string, unknown> = {}) {
  return {
    id,
    workflowId: 'wf-1',
    requiredCapabilities: [{ capabilityId: 'data-processing', version: '1.0', parameters: {}, alternatives: [], weight: 1 }],
    priority,
    deadline: new Date(Date.now() + 24 * hour * 1000).toISOString(),
    budget: { maxTokens: 1000, maxCost: 100, currency: 'USD' },
    dependencies,
    metadata: { createdBy: 'user-1', createdAt: new Date().toISOString(), estimatedDuration: hour, complexity: 'moderate', category: 'etl' },
    ...extra,
  };
}

interface ResolveReply {
  resolutionId: string;
  conflicts: { kind: string; tasks: string[] }[];
  strategy: string;
  order: string[];
  stages: string[][];
  criticalPath: string[];
  makespan: number;
  impact: { cost: number; quality: number; risk: number; delay: number };
  alternatives: { strategy: string }[];
  explanation: string;
  committed: boolean;
  consensus: { committed: boolean; requested?: string; used: string | null; note?: string; key?: string };
  removedDependencies: { taskId: string; dependsOn: string }[];
}

describe('conflict service over NATS', () => {
  const prefix = uniquePrefix('conflict');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let service: RunningService;

  beforeAll(async () => {
    nc = await testConnection();
    service = await startService(conflictService, serviceEnv(prefix));
  });

  afterAll(async () => {
    await service.close();
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it('detects a cycle, an exclusive-resource contention and an unknown reference', async () => {
    const reply = await requestJson<{ conflicts: { kind: string; tasks: string[] }[]; order: string[] }>(nc, subjects.request('conflict', 'detect'), {
      tasks: [
        task('a', 'high', ['c']),
        task('b', 'medium', ['a']),
        task('c', 'low', ['b']),
        task('d', 'medium', ['ghost'], { resources: [{ id: 'gpu', mode: 'exclusive' }] }),
        task('e', 'low', [], { resources: [{ id: 'gpu', mode: 'exclusive' }] }),
      ],
    });
    const kinds = reply.conflicts.map((c) => c.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['dependency-cycle', 'resource-contention', 'unknown-reference']));
    expect(reply.conflicts.find((c) => c.kind === 'dependency-cycle')!.tasks).toEqual(['a', 'b', 'c']);
    expect(reply.conflicts.find((c) => c.kind === 'resource-contention')!.tasks).toEqual(['d', 'e']);
  });

  it('resolves the seed call (three tasks, PBFT) into an order that respects dependencies, and says how it was agreed', async () => {
    const reply = await requestJson<ResolveReply>(nc, subjects.request('conflict', 'resolve'), {
      tasks: [task('task-3', 'low', ['task-2']), task('task-1', 'high'), task('task-2', 'medium', ['task-1'])],
      algorithm: 'pbft',
    });
    expect(reply.resolutionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(['preemptive', 'cooperative', 'sequential', 'parallel']).toContain(reply.strategy);
    expect(reply.order).toEqual(['task-1', 'task-2', 'task-3']);
    expect(reply.criticalPath).toEqual(['task-1', 'task-2', 'task-3']);
    expect(reply.makespan).toBe(3 * hour);
    expect(reply.explanation.length).toBeGreaterThan(20);
    // No consensus replica runs in this suite: the reply says so plainly instead of claiming a commit.
    expect(reply.committed).toBe(false);
    expect(reply.consensus).toMatchObject({ committed: false, requested: 'pbft', used: null });
    expect(reply.consensus.note).toMatch(/no consensus replica/);

    const nats = await NatsConnectionService.connect({ url: natsUrl(), name: 'conflict-spec', subjects, credsFile: testCredsFile() });
    const stored = await readStoredMessages(nats, subjects.streams.events, subjects.event('conflictResolved'));
    await nats.drain();
    const events = stored.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as EventEnvelope<{ resolutionId: string; strategy: string }>);
    expect(events.map((e) => e.data.resolutionId)).toContain(reply.resolutionId);
    expect(events.find((e) => e.data.resolutionId === reply.resolutionId)!.data.strategy).toBe(reply.strategy);
  });

  it('breaks a cycle by dropping one dependency and reports which', async () => {
    const reply = await requestJson<ResolveReply>(nc, subjects.request('conflict', 'resolve'), {
      tasks: [task('x', 'critical', ['z']), task('y', 'high', ['x']), task('z', 'low', ['y'])],
      algorithm: 'raft',
    });
    expect(reply.removedDependencies).toHaveLength(1);
    const removed = reply.removedDependencies[0];
    // The order respects every dependency that was kept.
    const position = new Map(reply.order.map((id, i) => [id, i]));
    const kept = [['y', 'x'], ['z', 'y'], ['x', 'z']].filter(([t, d]) => !(t === removed.taskId && d === removed.dependsOn));
    for (const [t, d] of kept) expect(position.get(d)!).toBeLessThan(position.get(t)!);
  });

  it('resolves a set of 1,000 tasks', async () => {
    const input = generateTaskSet({ tasks: 1000, dependencies: 3000, seed: 7, now: Date.now() });
    const reply = await requestJson<ResolveReply>(nc, subjects.request('conflict', 'resolve'), { tasks: input.tasks, resources: input.resources }, { timeoutMs: 20_000 });
    expect(reply.order).toHaveLength(1000);
    expect(new Set(reply.order).size).toBe(1000);
    const position = new Map(reply.order.map((id, i) => [id, i]));
    const removed = new Set(reply.removedDependencies.map((r) => `${r.taskId}<${r.dependsOn}`));
    for (const t of input.tasks) {
      for (const d of t.dependencies ?? []) {
        if (!position.has(d) || removed.has(`${t.id}<${d}`)) continue;
        expect(position.get(d)!).toBeLessThan(position.get(t.id)!);
      }
    }
  });

  it.each([
    ['a missing priority', { tasks: [{ id: 'a' }] }, 'tasks[0].priority'],
    ['an unknown algorithm', { tasks: [task('a', 'high')], algorithm: 'paxos' }, 'algorithm'],
    ['an empty task list', { tasks: [] }, 'tasks'],
    ['a bad resource mode', { tasks: [task('a', 'high', [], { resources: [{ id: 'r', mode: 'borrowed' }] })] }, 'tasks[0].resources[0].mode'],
    ['a malformed deadline', { tasks: [task('a', 'high', [], { deadline: 'tomorrow' })] }, 'tasks[0].deadline'],
  ])('refuses %s with VALIDATION_FAILED naming the field', async (_label, body, field) => {
    const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('conflict', 'resolve'), body);
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details.map((d) => d.field)).toContain(field);
  });

  it('refuses duplicate task ids found by the core', async () => {
    const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('conflict', 'detect'), { tasks: [task('a', 'high'), task('a', 'low')] });
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details[0].field).toMatch(/tasks/);
  });
});

describe('conflict service with the consensus ledger running', () => {
  const suite = useServices('conflict-ledger', [conflictService], { ledger: true });

  it('commits the resolution through Raft, says PBFT was asked for but Raft was used, and the record is readable', async () => {
    const reply = await requestJson<ResolveReply>(
      suite.nc,
      suite.subjects.request('conflict', 'resolve'),
      { tasks: [task('t1', 'high'), task('t2', 'low', ['t1'])], algorithm: 'pbft' },
      { timeoutMs: 15_000 },
    );
    expect(reply.committed).toBe(true);
    expect(reply.consensus).toMatchObject({ committed: true, requested: 'pbft', used: 'raft', key: `conflict/resolution/${reply.resolutionId}` });
    expect(reply.consensus.note).toBe('pbft is not running here; committed with raft');
    const record = await requestJson<{ value: string }>(suite.nc, suite.subjects.request('consensus', 'read'), { key: `conflict/resolution/${reply.resolutionId}` });
    expect(JSON.parse(record.value)).toMatchObject({ strategy: reply.strategy, tasks: 2 });
  });

  it('commits without a note when the requested algorithm is the one running', async () => {
    const reply = await requestJson<ResolveReply>(suite.nc, suite.subjects.request('conflict', 'resolve'), { tasks: [task('solo', 'medium')], algorithm: 'raft' }, { timeoutMs: 15_000 });
    expect(reply.consensus).toEqual({ committed: true, requested: 'raft', used: 'raft', key: expect.any(String), index: expect.any(Number), term: expect.any(Number) });
  });
});
