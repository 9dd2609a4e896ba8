import { matchAgent } from './matching';
import {
  ALTERNATIVE_QUALITY,
  capabilityPart,
  complexityExponent,
  costPart,
  deadlinePart,
  DEFAULT_WEIGHTS,
  effectiveSla,
  rankCandidates,
  scoreAndRank,
  scoreCandidate,
  slaPart,
} from './scoring';
import { agent, capability, iso, NOW, seedAgent, seedTask } from './test-fixtures';
import type { CapabilityMatch, HandoffTask, RegistryAgent, ScoredCandidate } from './types';

function matchesOf(task: HandoffTask, a: RegistryAgent): CapabilityMatch[] {
  const result = matchAgent(task, a);
  if (!('matches' in result)) throw new Error(`${a.id} lacks requirements ${result.lacking.join(',')}`);
  return result.matches;
}

const match = (id: string, extra: Partial<CapabilityMatch> = {}): CapabilityMatch => ({
  requested: id,
  offered: capability(id),
  viaAlternative: false,
  weight: 1,
  ...extra,
});

describe('scoreCandidate', () => {
  it("scores the seed's agent for the seed's task part by part", () => {
    const task = seedTask();
    const scored = scoreCandidate(task, seedAgent(), matchesOf(task, seedAgent()), NOW);
    // cost: moderate → 10 × 1.5^1 = 15 tokens of 1000; deadline: needs 3600 s + 1 s in 3600 s.
    expect(scored.estimatedCost).toBeCloseTo(15);
    expect(scored.breakdown.capability).toBe(1);
    expect(scored.breakdown.load).toBe(1);
    expect(scored.breakdown.sla).toBe(1);
    expect(scored.breakdown.cost).toBeCloseTo(1 - 15 / 2000, 12);
    expect(scored.breakdown.trust).toBe(0.9);
    expect(scored.breakdown.deadline).toBeCloseTo((0.5 * 3_600_000) / 3_601_000, 12);
    const expected =
      0.25 * 1 +
      0.15 * 1 +
      0.2 * 1 +
      0.15 * (1 - 15 / 2000) +
      0.15 * 0.9 +
      0.1 * ((0.5 * 3_600_000) / 3_601_000);
    expect(scored.score).toBeCloseTo(expected, 12);
    expect(scored.agentId).toBe('worker-1');
  });

  it('the default weights sum to 1', () => {
    expect(Object.values(DEFAULT_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('custom weights pick what counts, and bad weights are refused', () => {
    const task = seedTask();
    const only = { capability: 0, load: 0, sla: 0, cost: 0, trust: 2, deadline: 0 };
    expect(
      scoreCandidate(task, seedAgent({ trustScore: 0.4 }), matchesOf(task, seedAgent()), NOW, only).score,
    ).toBeCloseTo(0.4, 12);
    expect(() => scoreCandidate(task, seedAgent(), [], NOW, { ...only, trust: 0 })).toThrow(RangeError);
    expect(() => scoreCandidate(task, seedAgent(), [], NOW, { ...only, load: -1 })).toThrow(/load/);
  });

  it('load is the headroom left under maxLoad', () => {
    const task = seedTask();
    expect(scoreCandidate(task, seedAgent({ currentLoad: 25 }), [], NOW).breakdown.load).toBe(0.75);
    expect(scoreCandidate(task, seedAgent({ maxLoad: 0 }), [], NOW).breakdown.load).toBe(0);
  });
});

describe('capability part', () => {
  it('weights each requirement and discounts alternatives', () => {
    expect(capabilityPart([match('a'), match('b', { viaAlternative: true, weight: 3 })])).toBeCloseTo(
      (1 + 3 * ALTERNATIVE_QUALITY) / 4,
      12,
    );
    expect(
      capabilityPart([match('a', { weight: 0 }), match('b', { weight: 0, viaAlternative: true })]),
    ).toBeCloseTo((1 + ALTERNATIVE_QUALITY) / 2, 12);
    expect(capabilityPart([])).toBe(1);
  });
});

describe('SLA part', () => {
  it('lower-is-better metrics fit required/offered once worse than required', () => {
    expect(slaPart({ responseTimeMs: 1000 }, { responseTimeMs: 2000 })).toBe(0.5);
    expect(slaPart({ errorRatePercent: 0 }, { errorRatePercent: 0.1 })).toBe(0);
    expect(slaPart({ recoveryTimeMs: 10_000 }, { recoveryTimeMs: 5000 })).toBe(1);
  });

  it('availability is compared as downtime, throughput as a ratio', () => {
    expect(slaPart({ availabilityPercent: 99.5 }, { availabilityPercent: 99 })).toBeCloseTo(0.5, 12);
    expect(slaPart({ throughputPerSecond: 10 }, { throughputPerSecond: 5 })).toBe(0.5);
  });

  it('averages the required metrics; an unstated one fits 0.5; no requirement fits 1', () => {
    expect(slaPart({ responseTimeMs: 1000, throughputPerSecond: 10 }, { responseTimeMs: 500 })).toBe(0.75);
    expect(slaPart(undefined, {})).toBe(1);
    expect(slaPart({}, {})).toBe(1);
  });

  it("the effective SLA is the worst of the matched capabilities', else the agent's", () => {
    const a = seedAgent({ sla: { responseTimeMs: 100, throughputPerSecond: 50 } });
    const sla = effectiveSla(a, [
      match('x', {
        offered: capability('x', '1', { sla: { responseTimeMs: 300, availabilityPercent: 99.9 } }),
      }),
      match('y', {
        offered: capability('y', '1', { sla: { responseTimeMs: 200, availabilityPercent: 99 } }),
      }),
    ]);
    expect(sla).toEqual({ responseTimeMs: 300, availabilityPercent: 99, throughputPerSecond: 50 });
  });
});

describe('cost part', () => {
  const priced = (baseUnits: number, scalingFactor: number, currency?: string, budgetRequired?: boolean) =>
    match('a', {
      offered: capability('a', '1', { cost: { baseUnits, scalingFactor, currency, budgetRequired } }),
    });

  it('complexity sets the exponent of scalingFactor', () => {
    expect(complexityExponent('simple')).toBe(0);
    expect(complexityExponent('Moderate')).toBe(1);
    expect(complexityExponent('complex')).toBe(2);
    expect(complexityExponent('very complex')).toBe(3);
    expect(complexityExponent(undefined)).toBe(1);
    expect(complexityExponent('unheard-of')).toBe(1);
    expect(complexityExponent('constructor')).toBe(1);
    const task = seedTask({ metadata: { complexity: 'complex' } });
    expect(costPart(task, [priced(10, 2, 'tokens')]).estimatedCost).toBe(40);
  });

  it('tokens count against maxTokens, money in the budget currency against maxCost', () => {
    const task = seedTask({
      budget: { maxTokens: 100, maxCost: 10, currency: 'USD' },
      metadata: { complexity: 'simple' },
    });
    expect(costPart(task, [priced(50, 1, 'tokens')]).part).toBe(0.75);
    expect(costPart(task, [priced(5, 1, 'usd')]).part).toBe(0.75);
    expect(costPart(task, [priced(5, 1, 'tokens'), priced(10, 1, 'USD')]).part).toBe(0.5);
    expect(costPart(task, [priced(11, 1)]).part).toBe(0);
  });

  it('no limit: free unless the capability requires a budget; another currency is unknown', () => {
    const task = seedTask({ budget: undefined, metadata: { complexity: 'simple' } });
    expect(costPart(task, [priced(5, 1, 'tokens')]).part).toBe(1);
    expect(costPart(task, [priced(5, 1, 'tokens', true)]).part).toBe(0);
    const usd = seedTask({ budget: { maxCost: 100, currency: 'USD' } });
    expect(costPart(usd, [priced(5, 1, 'EUR')]).part).toBe(0.5);
    expect(costPart(usd, [priced(5, 1, 'EUR', true)]).part).toBe(0);
    expect(costPart(usd, []).part).toBe(1);
  });
});

describe('deadline part', () => {
  const task = (deadline: string | undefined, estimatedDuration = 0) =>
    seedTask({ deadline, metadata: { estimatedDuration } });

  it('with time to spare it rises from 0.5 toward 1 with the slack', () => {
    expect(deadlinePart(task(iso(NOW + 4000), 1), 1000, NOW)).toBe(0.75);
    expect(deadlinePart(task(iso(NOW + 2000), 1), 1000, NOW)).toBe(0.5);
  });

  it('short of time it falls below 0.5; past the deadline it is 0; without a deadline it is 1', () => {
    expect(deadlinePart(task(iso(NOW + 1000), 1), 1000, NOW)).toBe(0.25);
    expect(deadlinePart(task(iso(NOW), 1), 0, NOW)).toBe(0);
    expect(deadlinePart(task(undefined, 100), 1000, NOW)).toBe(1);
    expect(
      deadlinePart(
        seedTask({ deadline: iso(NOW + 1000), duration: 3, metadata: { estimatedDuration: 0 } }),
        0,
        NOW,
      ),
    ).toBeCloseTo(0.5 / 3, 12);
  });
});

describe('rankCandidates', () => {
  const s = (agentId: string, score: number): ScoredCandidate => ({
    agentId,
    score,
    estimatedCost: 0,
    breakdown: { capability: 1, load: 1, sla: 1, cost: 1, trust: 1, deadline: 1 },
  });

  it('puts the best first and breaks ties by agent id', () => {
    expect(rankCandidates([s('b', 0.5), s('c', 0.9), s('a', 0.5)]).map((c) => c.agentId)).toEqual([
      'c',
      'a',
      'b',
    ]);
    expect(
      rankCandidates([s('b', 0.5), s('c', 0.9), s('a', 0.5), s('d', 0.1)], 2).map((c) => c.agentId),
    ).toEqual(['c', 'a']);
    expect(rankCandidates([s('b', 0.5)], 0)).toEqual([]);
  });

  it('scoreAndRank prefers the lighter, more trusted agent', () => {
    const task = seedTask();
    const agents = [
      seedAgent({ id: 'heavy', currentLoad: 90 }),
      seedAgent({ id: 'light' }),
      agent('shaky', [...seedAgent().capabilities], { trustScore: 0.2 }),
    ];
    const ranked = scoreAndRank(
      task,
      agents.map((a) => ({ agent: a, matches: matchesOf(task, a) })),
      NOW,
    );
    expect(ranked.map((c) => c.agentId)).toEqual(['light', 'shaky', 'heavy']);
  });
});
