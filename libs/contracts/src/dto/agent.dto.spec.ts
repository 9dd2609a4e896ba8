import { OssaError } from '../errors';
import { validateDto } from '../validation';
import {
  AGENT_LIST_DEFAULT_LIMIT,
  AGENT_STATES,
  AgentDto,
  AgentHeartbeatDto,
  AgentListDto,
  AgentRefDto,
  HandoffRequestDto,
  TaskCompleteDto,
  MAX_SEALED_RESULT_CHARS,
} from './agent.dto';

const sla = {
  responseTimeMs: 1000,
  availabilityPercent: 99.9,
  throughputPerSecond: 100,
  errorRatePercent: 0.1,
  recoveryTimeMs: 5000,
};

/** The seed's "Basic Setup" agent, in wire form (lower-case state, ISO dates). */
function seedAgent(): Record<string, unknown> {
  return {
    id: 'worker-1',
    name: 'Task Worker',
    type: 'executor',
    capabilities: [
      {
        id: 'data-processing',
        name: 'Data Processing',
        version: '1.0',
        parameters: [],
        constraints: [],
        cost: { baseUnits: 10, scalingFactor: 1.5, currency: 'tokens', budgetRequired: true },
        sla: { ...sla },
      },
    ],
    state: 'available',
    currentLoad: 0,
    maxLoad: 100,
    sla: { ...sla },
    trustScore: 0.9,
    lastHeartbeat: '2026-01-05T10:00:00.000Z',
    metadata: {
      version: '1.0',
      framework: 'ossa',
      region: 'us-west-2',
      tags: ['worker', 'processor'],
      owner: 'system',
      createdAt: '2026-01-05T10:00:00.000Z',
      lastUpdated: '2026-01-05T10:00:00.000Z',
    },
  };
}

/** The seed's "Task Coordination" request, trimmed to what handoff needs. */
function seedTask(): Record<string, unknown> {
  return {
    id: 'task-1',
    workflowId: 'workflow-1',
    requiredCapabilities: [
      {
        capabilityId: 'data-processing',
        version: '1.0',
        parameters: { inputSize: 1000 },
        alternatives: [],
        weight: 1.0,
      },
    ],
    priority: 'high',
    deadline: '2026-01-05T11:00:00.000Z',
  };
}

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OssaError);
    expect((err as OssaError).code).toBe('VALIDATION_FAILED');
    return [...new Set((err as OssaError).details.map((d) => d.field))].sort();
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('AgentDto', () => {
  it("accepts the seed's example agent field for field", () => {
    const agent = validateDto(AgentDto, seedAgent());
    expect(agent.capabilities[0].cost?.scalingFactor).toBe(1.5);
    expect(agent.metadata?.tags).toEqual(['worker', 'processor']);
    expect(agent.state).toBe('available');
  });

  it('accepts every lower-case state and refuses the upper-case enum name', () => {
    for (const state of AGENT_STATES)
      expect(validateDto(AgentDto, { ...seedAgent(), state }).state).toBe(state);
    expect(fieldsOf(() => validateDto(AgentDto, { ...seedAgent(), state: 'AVAILABLE' }))).toEqual(['state']);
  });

  it('names each bad field by its full path', () => {
    const agent = seedAgent();
    const capability = (agent.capabilities as Record<string, unknown>[])[0];
    capability.cost = { baseUnits: -1, scalingFactor: 1.5, currency: 'tokens', budgetRequired: 'yes' };
    capability.sla = { ...sla, availabilityPercent: 120 };
    capability.version = 'v1';
    agent.trustScore = 1.5;
    agent.currentLoad = 'none';
    agent.lastHeartbeat = 'yesterday';
    agent.metadata = { ...(agent.metadata as object), tags: ['ok', 7], createdAt: '5 Jan' };
    expect(fieldsOf(() => validateDto(AgentDto, agent))).toEqual([
      'capabilities[0].cost.baseUnits',
      'capabilities[0].cost.budgetRequired',
      'capabilities[0].sla.availabilityPercent',
      'capabilities[0].version',
      'currentLoad',
      'lastHeartbeat',
      'metadata.createdAt',
      'metadata.tags',
      'trustScore',
    ]);
  });

  it('refuses ids that cannot be one NATS subject token, and unknown fields', () => {
    expect(fieldsOf(() => validateDto(AgentDto, { ...seedAgent(), id: 'worker.1' }))).toEqual(['id']);
    expect(fieldsOf(() => validateDto(AgentDto, { ...seedAgent(), id: 'a b' }))).toEqual(['id']);
    expect(fieldsOf(() => validateDto(AgentDto, { ...seedAgent(), id: '' }))).toEqual(['id']);
    expect(fieldsOf(() => validateDto(AgentDto, { ...seedAgent(), colour: 'red' }))).toEqual(['colour']);
  });

  it('requires id, name, type, capabilities, state, loads and trust score', () => {
    expect(fieldsOf(() => validateDto(AgentDto, {}))).toEqual([
      'capabilities',
      'currentLoad',
      'id',
      'maxLoad',
      'name',
      'state',
      'trustScore',
      'type',
    ]);
  });
});

describe('agent requests', () => {
  it('heartbeat carries an agent id and optionally load and state', () => {
    expect(
      validateDto(AgentHeartbeatDto, { agentId: 'worker-1', currentLoad: 3, state: 'busy' }).currentLoad,
    ).toBe(3);
    expect(
      fieldsOf(() => validateDto(AgentHeartbeatDto, { agentId: 'w.1', currentLoad: -1, state: 'asleep' })),
    ).toEqual(['agentId', 'currentLoad', 'state']);
  });

  it('get/deregister name one agent', () => {
    expect(validateDto(AgentRefDto, { agentId: 'worker-1' }).agentId).toBe('worker-1');
    expect(fieldsOf(() => validateDto(AgentRefDto, {}))).toEqual(['agentId']);
  });

  it('list defaults limit to 100 and bounds it to 1..1000', () => {
    expect(validateDto(AgentListDto, {}).limit).toBe(AGENT_LIST_DEFAULT_LIMIT);
    const page = validateDto(AgentListDto, {
      capability: 'data-processing',
      version: '1.0',
      state: 'available',
      region: 'us-west-2',
      tag: 'worker',
      limit: 1000,
      cursor: 'opaque',
    });
    expect(page.limit).toBe(1000);
    expect(fieldsOf(() => validateDto(AgentListDto, { limit: 0 }))).toEqual(['limit']);
    expect(fieldsOf(() => validateDto(AgentListDto, { limit: 1001, cursor: '' }))).toEqual([
      'cursor',
      'limit',
    ]);
    expect(fieldsOf(() => validateDto(AgentListDto, { limit: 2.5 }))).toEqual(['limit']);
  });

  it('task complete names the task, the agent and optionally the outcome', () => {
    expect(
      validateDto(TaskCompleteDto, { taskId: 'task-1', agentId: 'worker-1', outcome: 'failed' }).outcome,
    ).toBe('failed');
    expect(fieldsOf(() => validateDto(TaskCompleteDto, { agentId: 'worker-1', outcome: 'maybe' }))).toEqual([
      'outcome',
      'taskId',
    ]);
  });

  it('task complete carries an optional sealed result, checked field by field and bounded', () => {
    const sealed = { enc: 'aes-256-gcm', kid: 'k1', iv: 'AAAAAAAAAAAAAAAA', tag: `${'A'.repeat(22)}==`, ct: 'e30=' };
    const done = validateDto(TaskCompleteDto, { taskId: 't', agentId: 'w', result: { sealed } });
    expect(done.result?.sealed).toEqual(sealed);
    expect(fieldsOf(() => validateDto(TaskCompleteDto, { taskId: 't', agentId: 'w', result: { sealed: { ...sealed, enc: 'rot13', iv: 'x' } } }))).toEqual([
      'result.sealed.enc',
      'result.sealed.iv',
    ]);
    expect(fieldsOf(() => validateDto(TaskCompleteDto, { taskId: 't', agentId: 'w', result: { plain: 'secret' } }))).toEqual(['result.plain', 'result.sealed']);
    const big = { ...sealed, ct: 'A'.repeat(MAX_SEALED_RESULT_CHARS + 4) };
    expect(fieldsOf(() => validateDto(TaskCompleteDto, { taskId: 't', agentId: 'w', result: { sealed: big } }))).toEqual(['result.sealed.ct']);
  });
});

describe('HandoffRequestDto', () => {
  it("accepts the seed's task request", () => {
    const task = validateDto(HandoffRequestDto, seedTask());
    expect(task.requiredCapabilities[0].capabilityId).toBe('data-processing');
  });

  it('requires a non-empty requiredCapabilities and still checks the inherited fields', () => {
    const { requiredCapabilities: _omitted, ...rest } = seedTask();
    expect(fieldsOf(() => validateDto(HandoffRequestDto, rest))).toEqual(['requiredCapabilities']);
    expect(
      fieldsOf(() => validateDto(HandoffRequestDto, { ...seedTask(), requiredCapabilities: [] })),
    ).toEqual(['requiredCapabilities']);
    expect(
      fieldsOf(() => validateDto(HandoffRequestDto, { ...seedTask(), requiredCapabilities: null })),
    ).toEqual(['requiredCapabilities']);
    expect(
      fieldsOf(() =>
        validateDto(HandoffRequestDto, {
          ...seedTask(),
          priority: 'urgent',
          requiredCapabilities: [{ weight: -1 }],
        }),
      ),
    ).toEqual(['priority', 'requiredCapabilities[0].capabilityId', 'requiredCapabilities[0].weight']);
  });
});
