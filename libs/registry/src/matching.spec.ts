import { AgentDto, HandoffRequestDto, validateDto } from '@ossa/contracts';
import { describeMissing, findCandidates, matchAgent, readiness } from './matching';
import { agent, capability, iso, needs, NOW, seedAgent, seedTask } from './test-fixtures';

describe('readiness', () => {
  it('an available agent under maxLoad is ready; at maxLoad or busy it is full', () => {
    expect(readiness(seedAgent(), NOW)).toBe('ready');
    expect(readiness(seedAgent({ currentLoad: 99 }), NOW)).toBe('ready');
    expect(readiness(seedAgent({ currentLoad: 100 }), NOW)).toBe('full');
    expect(readiness(seedAgent({ state: 'busy' }), NOW)).toBe('full');
  });

  it('offline, failed, in maintenance, excluded or silent agents are unavailable', () => {
    for (const state of ['offline', 'failed', 'maintenance'] as const)
      expect(readiness(seedAgent({ state }), NOW)).toBe('unavailable');
    expect(readiness(seedAgent(), NOW, { excludeAgentIds: new Set(['worker-1']) })).toBe('unavailable');
    const silent = seedAgent({ lastHeartbeat: iso(NOW - 30_001) });
    expect(readiness(silent, NOW, { heartbeatTimeoutMs: 30_000 })).toBe('unavailable');
    expect(readiness(silent, NOW, { heartbeatTimeoutMs: 60_000 })).toBe('ready');
    expect(readiness(silent, NOW)).toBe('ready');
  });
});

describe('matchAgent', () => {
  it('matches the requested capability directly, choosing the highest compatible version', () => {
    const a = agent('a', [capability('ocr', '1.1'), capability('ocr', '1.4'), capability('ocr', '2.0')]);
    const result = matchAgent(
      seedTask({ requiredCapabilities: [{ capabilityId: 'ocr', version: '1.2', weight: 2 }] }),
      a,
    );
    expect(result).toEqual({
      matches: [expect.objectContaining({ requested: 'ocr', viaAlternative: false, weight: 2 })],
    });
    expect('matches' in result && result.matches[0].offered.version).toBe('1.4');
  });

  it('falls back to the alternatives in order; the requested version does not bind an alternative', () => {
    const a = agent('a', [capability('tesseract', '5.0'), capability('vision-ocr', '3.0')]);
    const task = seedTask({
      requiredCapabilities: [
        { capabilityId: 'ocr', version: '1.0', alternatives: ['vision-ocr', 'tesseract'] },
      ],
    });
    const result = matchAgent(task, a);
    expect('matches' in result && result.matches[0]).toMatchObject({
      requested: 'ocr',
      viaAlternative: true,
      weight: 1,
    });
    expect('matches' in result && result.matches[0].offered.id).toBe('vision-ocr');
  });

  it('lists the requirements the agent lacks', () => {
    expect(matchAgent(needs('t', 'a', 'b', 'c'), agent('x', [capability('b')]))).toEqual({ lacking: [0, 2] });
  });
});

describe('findCandidates', () => {
  it("finds the seed's agent for the seed's task", () => {
    const search = findCandidates(seedTask(), [seedAgent()], NOW);
    expect(search.outcome).toBe('found');
    expect(search.candidates.map((c) => c.agent.id)).toEqual(['worker-1']);
    expect(search.missing).toEqual([]);
  });

  it('keeps only ready agents that offer every capability', () => {
    const agents = [
      agent('both', [capability('a'), capability('b')]),
      agent('only-a', [capability('a')]),
      agent('both-full', [capability('a'), capability('b')], { currentLoad: 5, maxLoad: 5 }),
      agent('both-offline', [capability('a'), capability('b')], { state: 'offline' }),
    ];
    const search = findCandidates(needs('t', 'a', 'b'), agents, NOW);
    expect(search).toMatchObject({ outcome: 'found', full: 1, unavailable: 1 });
    expect(search.candidates.map((c) => c.agent.id)).toEqual(['both']);
  });

  it('reports capacity_exceeded when every capable agent is full', () => {
    const agents = [
      agent('a1', [capability('a')], { currentLoad: 3, maxLoad: 3 }),
      agent('a2', [capability('a')], { state: 'busy' }),
      agent('a3', [capability('a')], { state: 'failed' }),
    ];
    expect(findCandidates(needs('t', 'a'), agents, NOW)).toMatchObject({
      outcome: 'capacity_exceeded',
      full: 2,
      unavailable: 1,
      candidates: [],
    });
  });

  it('reports unavailable when the capable agents are all down or silent', () => {
    const agents = [
      agent('a1', [capability('a')], { lastHeartbeat: iso(NOW - 90_000) }),
      agent('a2', [capability('a')], { state: 'maintenance' }),
    ];
    expect(findCandidates(needs('t', 'a'), agents, NOW, { heartbeatTimeoutMs: 60_000 })).toMatchObject({
      outcome: 'unavailable',
      unavailable: 2,
    });
  });

  it('names the capability nobody offers, with the versions that are offered', () => {
    const agents = [
      agent('x', [capability('a', '1.0'), capability('b', '1.2')]),
      agent('y', [capability('b', '1.0')]),
    ];
    const task = seedTask({
      requiredCapabilities: [
        { capabilityId: 'a' },
        { capabilityId: 'b', version: '2.0', alternatives: ['b2'] },
      ],
    });
    const search = findCandidates(task, agents, NOW);
    expect(search.outcome).toBe('missing_capability');
    expect(search.missing).toEqual([
      {
        capabilityId: 'b',
        version: '2.0',
        alternatives: ['b2'],
        offeredVersions: ['1.0', '1.2'],
        offeredElsewhere: false,
      },
    ]);
    expect(describeMissing(search.missing)).toBe(
      'No agent offers the required capability b@2.0 (or b2); agents offer 1.0, 1.2',
    );
  });

  it('when each capability is offered but never together, names what the closest agent lacks', () => {
    const agents = [agent('ab', [capability('a'), capability('b')]), agent('c', [capability('c')])];
    const search = findCandidates(needs('t', 'a', 'b', 'c'), agents, NOW);
    expect(search.outcome).toBe('missing_capability');
    expect(search.missing).toEqual([
      { capabilityId: 'c', alternatives: [], offeredVersions: ['1.0'], offeredElsewhere: true },
    ]);
    expect(describeMissing(search.missing)).toContain('by no agent that has the other required capabilities');
  });

  it('with no agents at all, says so', () => {
    const search = findCandidates(needs('t'), [], NOW);
    expect(search).toMatchObject({ outcome: 'missing_capability', missing: [] });
    expect(describeMissing(search.missing)).toBe('No agent can take the task: no agent is registered');
  });

  it('a task without required capabilities can go to any ready agent', () => {
    const search = findCandidates(needs('t'), [seedAgent(), agent('w2', [], { state: 'busy' })], NOW);
    expect(search.candidates.map((c) => c.agent.id)).toEqual(['worker-1']);
    expect(search.full).toBe(1);
  });
});

describe('contract DTOs', () => {
  it('validated AgentDto and HandoffRequestDto instances are accepted as they are', () => {
    const dto = validateDto(AgentDto, {
      ...seedAgent(),
      name: 'Task Worker',
      type: 'executor',
    } as unknown as Record<string, unknown>);
    const task = validateDto(HandoffRequestDto, seedTask() as unknown as Record<string, unknown>);
    const search = findCandidates(task, [dto], NOW);
    expect(search.candidates.map((c) => c.agent.id)).toEqual(['worker-1']);
  });
});
