import fc from 'fast-check';
import { AgentIndex } from './agent-index';
import { findCandidates, readiness } from './matching';
import { planFailover } from './rebalance';
import { rankCandidates, scoreAndRank, scoreCandidate } from './scoring';
import { iso, NOW } from './test-fixtures';
import type { AgentState, HandoffTask, OfferedCapability, Priority, RegistryAgent, Sla } from './types';
import { isVersionCompatible } from './version';

const CAPABILITY_IDS = ['a', 'b', 'c', 'd', 'e'];
const VERSIONS = ['1.0', '1.2', '2.0', '0.3', undefined];
const STATES: AgentState[] = [
  'available',
  'available',
  'available',
  'busy',
  'offline',
  'failed',
  'maintenance',
];
const PRIORITIES: Priority[] = ['critical', 'high', 'medium', 'low'];

const slaArb: fc.Arbitrary<Sla> = fc.record(
  {
    responseTimeMs: fc.integer({ min: 0, max: 10_000 }),
    availabilityPercent: fc.double({ min: 90, max: 100, noNaN: true }),
    throughputPerSecond: fc.integer({ min: 0, max: 500 }),
    errorRatePercent: fc.double({ min: 0, max: 5, noNaN: true }),
    recoveryTimeMs: fc.integer({ min: 0, max: 60_000 }),
  },
  { requiredKeys: [] },
);

const offeredArb: fc.Arbitrary<OfferedCapability> = fc.record(
  {
    id: fc.constantFrom(...CAPABILITY_IDS),
    version: fc.constantFrom(...VERSIONS),
    sla: slaArb,
    cost: fc.record(
      {
        baseUnits: fc.integer({ min: 0, max: 100 }),
        scalingFactor: fc.double({ min: 0, max: 3, noNaN: true }),
        currency: fc.constantFrom('tokens', 'USD', 'EUR'),
        budgetRequired: fc.boolean(),
      },
      { requiredKeys: ['baseUnits', 'scalingFactor'] },
    ),
  },
  { requiredKeys: ['id'] },
);

const agentFieldsArb = fc.record({
  capabilities: fc.array(offeredArb, { maxLength: 4 }),
  state: fc.constantFrom(...STATES),
  currentLoad: fc.integer({ min: 0, max: 10 }),
  maxLoad: fc.integer({ min: 0, max: 10 }),
  trustScore: fc.double({ min: 0, max: 1, noNaN: true }),
  sla: fc.option(slaArb, { nil: undefined }),
  heartbeatAgeMs: fc.integer({ min: 0, max: 120_000 }),
});

const agentsArb: fc.Arbitrary<RegistryAgent[]> = fc.array(agentFieldsArb, { maxLength: 12 }).map((fields) =>
  fields.map(({ heartbeatAgeMs, ...f }, i) => ({
    id: `agent-${i}`,
    lastHeartbeat: iso(NOW - heartbeatAgeMs),
    ...f,
  })),
);

const taskArb: fc.Arbitrary<HandoffTask> = fc.record(
  {
    id: fc.constantFrom('t1', 't2', 't3', 't4'),
    priority: fc.constantFrom(...PRIORITIES),
    requiredCapabilities: fc.array(
      fc.record(
        {
          capabilityId: fc.constantFrom(...CAPABILITY_IDS),
          version: fc.constantFrom(...VERSIONS),
          alternatives: fc.subarray(CAPABILITY_IDS, { maxLength: 2 }),
          weight: fc.double({ min: 0, max: 5, noNaN: true }),
        },
        { requiredKeys: ['capabilityId'] },
      ),
      { maxLength: 3 },
    ),
    deadline: fc.integer({ min: -100_000, max: 10_000_000 }).map((offset) => iso(NOW + offset)),
    budget: fc.record(
      {
        maxTokens: fc.integer({ min: 0, max: 500 }),
        maxCost: fc.integer({ min: 0, max: 500 }),
        currency: fc.constant('USD'),
      },
      { requiredKeys: [] },
    ),
    slaRequirements: slaArb,
    metadata: fc.record(
      {
        estimatedDuration: fc.integer({ min: 0, max: 20_000 }),
        complexity: fc.constantFrom('simple', 'moderate', 'complex', 'odd'),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['id', 'priority'] },
);

const optionsArb = fc.record({
  heartbeatTimeoutMs: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
});

function offersEverything(task: HandoffTask, agent: RegistryAgent): boolean {
  return (task.requiredCapabilities ?? []).every(
    (r) =>
      agent.capabilities.some((c) => c.id === r.capabilityId && isVersionCompatible(r.version, c.version)) ||
      (r.alternatives ?? []).some((alt) => agent.capabilities.some((c) => c.id === alt)),
  );
}

describe('properties of matching and scoring', () => {
  it('candidates are exactly the ready agents that offer every required capability', () => {
    fc.assert(
      fc.property(taskArb, agentsArb, optionsArb, (task, agents, options) => {
        const search = findCandidates(task, agents, NOW, options);
        const expected = agents
          .filter((a) => offersEverything(task, a) && readiness(a, NOW, options) === 'ready')
          .map((a) => a.id);
        expect(search.candidates.map((c) => c.agent.id)).toEqual(expected);
        for (const c of search.candidates) {
          expect(c.agent.state).toBe('available');
          expect(c.agent.currentLoad).toBeLessThan(c.agent.maxLoad);
          expect(c.matches).toHaveLength(task.requiredCapabilities?.length ?? 0);
        }
        if (search.outcome === 'missing_capability')
          expect(agents.some((a) => offersEverything(task, a))).toBe(false);
      }),
    );
  });

  it('the index gives the same search as a full scan', () => {
    fc.assert(
      fc.property(taskArb, agentsArb, optionsArb, (task, agents, options) => {
        const index = new AgentIndex();
        agents.forEach((a) => index.upsert(a));
        const scan = findCandidates(task, agents, NOW, options);
        const indexed = index.findCandidates(task, NOW, options);
        const ids = (s: typeof scan) => s.candidates.map((c) => c.agent.id).sort();
        expect(ids(indexed)).toEqual(ids(scan));
        expect({ ...indexed, candidates: [] }).toEqual({ ...scan, candidates: [] });
      }),
    );
  });

  it('every score and every part of its breakdown lies in [0, 1]', () => {
    fc.assert(
      fc.property(taskArb, agentsArb, (task, agents) => {
        for (const scored of scoreAndRank(task, findCandidates(task, agents, NOW).candidates, NOW)) {
          expect(scored.score).toBeGreaterThanOrEqual(0);
          expect(scored.score).toBeLessThanOrEqual(1);
          for (const part of Object.values(scored.breakdown)) expect(part >= 0 && part <= 1).toBe(true);
        }
      }),
    );
  });

  it('the ranking does not depend on the order of the agents', () => {
    fc.assert(
      fc.property(taskArb, agentsArb, fc.array(fc.nat()), (task, agents, keys) => {
        const shuffled = agents
          .map((a, i) => ({ a, k: keys[i] ?? i }))
          .sort((x, y) => x.k - y.k)
          .map((e) => e.a);
        const rank = (list: RegistryAgent[]) =>
          scoreAndRank(task, findCandidates(task, list, NOW).candidates, NOW);
        expect(rank(shuffled)).toEqual(rank(agents));
        expect(rankCandidates([...rank(agents)].reverse())).toEqual(rank(agents));
      }),
    );
  });

  it('keeping the best k gives the first k of the full ranking', () => {
    fc.assert(
      fc.property(taskArb, agentsArb, fc.nat(6), (task, agents, k) => {
        const candidates = findCandidates(task, agents, NOW).candidates;
        expect(scoreAndRank(task, candidates, NOW, undefined, k)).toEqual(
          scoreAndRank(task, candidates, NOW).slice(0, k),
        );
      }),
    );
  });

  it('raising trust never lowers the score, nor does lowering the load', () => {
    fc.assert(
      fc.property(
        taskArb,
        agentFieldsArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(10),
        (task, fields, more, less) => {
          const agent: RegistryAgent = { id: 'x', ...fields, capabilities: fields.capabilities };
          const search = findCandidates(task, [{ ...agent, state: 'available', maxLoad: 11 }], NOW);
          if (search.candidates.length === 0) return;
          const { agent: base, matches } = search.candidates[0];
          const score = scoreCandidate(task, base, matches, NOW).score;
          const trusted = { ...base, trustScore: Math.min(1, base.trustScore + more) };
          expect(scoreCandidate(task, trusted, matches, NOW).score).toBeGreaterThanOrEqual(score);
          const lighter = { ...base, currentLoad: Math.max(0, base.currentLoad - less) };
          expect(scoreCandidate(task, lighter, matches, NOW).score).toBeGreaterThanOrEqual(score);
        },
      ),
    );
  });

  it('failover places every in-flight task exactly once and never back on the failed agent', () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 8 }), agentsArb, (tasks, agents) => {
        const inFlight = tasks.map((t, i) => ({ ...t, id: `task-${i}` }));
        const failedId = agents[0]?.id ?? 'agent-0';
        const plan = planFailover(failedId, inFlight, agents, NOW);
        const placed = [
          ...plan.renegotiate.map((e) => e.task.id),
          ...plan.waiting.map((e) => e.task.id),
          ...plan.expired.map((t) => t.id),
        ];
        expect(placed.sort()).toEqual(inFlight.map((t) => t.id).sort());
        for (const entry of plan.renegotiate) {
          const search = findCandidates(entry.task, agents, NOW, { excludeAgentIds: new Set([failedId]) });
          expect(search.candidates.some((c) => c.agent.id === failedId)).toBe(false);
          expect(entry.candidateCount).toBe(search.candidates.length);
        }
      }),
    );
  });
});
