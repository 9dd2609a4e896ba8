import { makeDecision } from './engine';
import { DecisionValidationError, QuorumNotMetError } from './errors';
import { seedRequest } from './seed-request';
import { NOW, alternative, request } from './test-fixtures';
import type { Ballot, DecisionRequest } from './types';

const rank = (stakeholderId: string, ...ranking: string[]): Ballot => ({ stakeholderId, ranking });

describe('makeDecision on the seed request', () => {
  it('with no ballots decides by the multi-criteria analysis alone', () => {
    const result = makeDecision(seedRequest(), { now: NOW });
    expect(result.decidedBy).toBe('analysis');
    expect(result.outcome).toBe('decided');
    expect(result.winningAlternative?.name).toBe('GPT-4');
    expect(result.tally).toBeNull();
    expect(result.quorum.applied).toBe(false);
    // Weights 0.4/0.3 normalise to 4/7 and 3/7; min-max puts GPT-4 at (1, 0) and Llama at (0, 1).
    expect(result.ranking.map((r) => r.alternativeId)).toEqual(['gpt-4', 'llama-3']);
    expect(result.ranking[0].score).toBeCloseTo(4 / 7, 12);
    // The tie comes at weights 1/2 and 1/2: cost up by 1/14 (or quality down as much; criteria are examined by name).
    expect(result.sensitivity.smallestChange).toMatchObject({ criterion: 'cost' });
    expect(result.sensitivity.smallestChange?.from).toBeCloseTo(3 / 7, 12);
    expect(result.sensitivity.smallestChange?.delta).toBeCloseTo(1 / 14, 12);
    expect(result.sensitivity.smallestChange?.newWinner).toBe('llama-3');
    expect(result.confidence).toBeGreaterThan(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('plans the winner: dated phases from now, ordered dependencies, ranked risks, rollback by reversibility', () => {
    const plan = makeDecision(seedRequest(), { now: NOW }).plan;
    expect(plan?.phases.map((p) => [p.name, p.start.slice(0, 10), p.end.slice(0, 10)])).toEqual([
      ['planning', '2026-01-05', '2026-02-04'],
      ['implementation', '2026-02-04', '2026-04-05'],
      ['testing', '2026-04-05', '2026-05-05'],
      ['deployment', '2026-05-05', '2026-05-19'],
    ]);
    expect(plan?.totalDays).toBe(134);
    expect(plan?.dependencies.map((d) => d.id)).toEqual(['billing-account', 'api-gateway']);
    expect(plan?.risks.map((r) => [r.description, r.level])).toEqual([
      ['vendor lock-in', 'high'],
      ['rate limits during peaks', 'medium'],
    ]);
    expect(plan?.rollback.strategy).toBe('simple_revert');
    expect(plan?.milestones.map((m) => m.name)).toContain('go-live');
  });

  it('scales the rollback plan down with reversibility', () => {
    const req = seedRequest();
    req.criteria[1].weight = 5; // cost dominates: the cheaper, hard-to-reverse Llama wins
    const result = makeDecision(req, { now: NOW });
    expect(result.winningAlternative?.id).toBe('llama-3');
    expect(result.plan?.rollback.strategy).toBe('irreversible_safeguards');
    expect(result.plan?.rollback.windowDays).toBeGreaterThanOrEqual(14);
  });

  it('counts expertise-weighted ballots once the quorum is met', () => {
    const req: DecisionRequest = {
      ...seedRequest(),
      ballots: [
        rank('cto', 'llama-3', 'gpt-4'),
        rank('lead-engineer', 'gpt-4', 'llama-3'),
        rank('ux-lead', 'gpt-4', 'llama-3'),
      ],
    };
    const result = makeDecision(req, { now: NOW });
    expect(result.quorum).toMatchObject({ applied: true, met: true, voters: 3, eligible: 4 });
    expect(result.decidedBy).toBe('vote');
    // cto 0.8 (ai) x mean(0.9, 0.85) = 0.7; lead-engineer 0.7 x 0.8 = 0.56; ux-lead 0.6 x 1 (no credentials given) = 0.6.
    expect(result.tally?.counts['llama-3']).toBeCloseTo(0.7, 12);
    expect(result.tally?.counts['gpt-4']).toBeCloseTo(1.16, 12);
    expect(result.winningAlternative?.id).toBe('gpt-4');
  });

  it('refuses with QUORUM_NOT_MET naming every missing requirement', () => {
    const req: DecisionRequest = {
      ...seedRequest(),
      ballots: [rank('cto', 'gpt-4'), rank('analyst', 'gpt-4')],
    };
    req.quorum = { ...req.quorum, expertiseThreshold: 0.8 }; // the two voters average (0.8 + 0.7) / 2 = 0.75
    let error: unknown;
    try {
      makeDecision(req, { now: NOW });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QuorumNotMetError);
    const missing = (error as QuorumNotMetError).details.missing;
    expect((error as QuorumNotMetError).code).toBe('QUORUM_NOT_MET');
    expect(missing.map((m) => m.requirement)).toEqual([
      'minimum',
      'percentage',
      'stakeholder_types',
      'expertise_threshold',
    ]);
    expect(missing[2].message).toBe('no vote from: engineer, user');
  });
});

describe('makeDecision input handling', () => {
  it('names each bad field with VALIDATION_FAILED', () => {
    const req = {
      ...seedRequest(),
      votingSystem: 'dictator',
      ballots: [
        { stakeholderId: 'ghost', ranking: ['gpt-4'] },
        { stakeholderId: 'cto', ranking: ['nope'] },
      ],
    } as unknown as DecisionRequest;
    req.criteria[0].weight = -1;
    let error: unknown;
    try {
      makeDecision(req, { now: NOW });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecisionValidationError);
    expect((error as DecisionValidationError).code).toBe('VALIDATION_FAILED');
    expect((error as DecisionValidationError).details.fields.map((f) => f.path)).toEqual([
      'votingSystem',
      'criteria[0].weight',
      'ballots[0].stakeholderId',
      'ballots[1].ranking[0]',
    ]);
  });

  it('reports hard-constraint exclusions and decides among the rest', () => {
    const req = seedRequest();
    req.constraints = [
      {
        id: 'reversible',
        criterion: 'cost',
        operator: 'gte',
        value: 0.25,
        description: 'no cut-price option',
      },
    ];
    const result = makeDecision(req, { now: NOW });
    expect(result.excluded).toEqual([
      {
        alternativeId: 'llama-3',
        reasons: [expect.objectContaining({ constraintId: 'reversible', actual: 0.2 })],
      },
    ]);
    expect(result.winningAlternative?.id).toBe('gpt-4');
  });

  it('says no alternative is feasible when constraints exclude them all', () => {
    const req = seedRequest();
    req.constraints = [{ criterion: 'quality', operator: 'gt', value: 0.95 }];
    const result = makeDecision(req, { now: NOW });
    expect(result).toMatchObject({
      outcome: 'no_feasible_alternative',
      winningAlternative: null,
      plan: null,
      confidence: 0,
    });
    expect(result.excluded).toHaveLength(2);
  });

  it('imputes a missing attribute as the worst observed value with confidence 0', () => {
    const req = request({
      alternatives: [alternative('a', { quality: 0.9, security: 0.5 }), alternative('b', { quality: 0.5 })],
      criteria: [
        { criterion: 'quality', weight: 1 },
        { criterion: 'security', weight: 1 },
      ],
    });
    const result = makeDecision(req, { now: NOW });
    expect(result.analysis.imputed).toEqual([{ alternativeId: 'b', criterion: 'security', value: 0.5 }]);
  });
});

describe('bias detection and correction', () => {
  const team = (overrides: Partial<DecisionRequest>) =>
    request({
      alternatives: [
        alternative('x', { quality: 1 }, { proposedBy: 'ai-team' }),
        alternative('y', { quality: 1 }),
        alternative('z', { quality: 1 }),
      ],
      votingSystem: 'weighted',
      stakeholders: [
        { id: 'alice', role: 'ai-team', votingWeight: 3 },
        ...['b1', 'b2', 'b3', 'b4'].map((id) => ({ id, role: 'ops', votingWeight: 1 })),
      ],
      ballots: [
        rank('alice', 'x', 'y', 'z'),
        rank('b1', 'y', 'z', 'x'),
        rank('b2', 'y', 'z', 'x'),
        rank('b3', 'z', 'y', 'x'),
        rank('b4', 'z', 'y', 'x'),
      ],
      ...overrides,
    });

  it("down-weights a voter favouring their own team's proposal against everyone else, and says it changed the outcome", () => {
    const result = makeDecision(team({}), { now: NOW });
    const finding = result.biases.findings.find((f) => f.rule === 'self_favouring');
    expect(finding).toMatchObject({
      stakeholderIds: ['alice'],
      alternativeId: 'x',
      factor: 0.5,
      changedOutcome: true,
    });
    expect(result.biases.uncorrectedWinner).toBe('x');
    expect(result.biases.changedOutcome).toBe(true);
    expect(result.winningAlternative?.id).not.toBe('x');
  });

  it('leaves the ballots alone when correction is switched off', () => {
    const result = makeDecision(team({}), { now: NOW, biasCorrection: false });
    expect(result.biases.findings).toEqual([]);
    expect(result.winningAlternative?.id).toBe('x');
  });

  it('turns declared bias factors into a documented re-weighting', () => {
    const req = team({
      ballots: [rank('alice', 'y'), rank('b1', 'y'), rank('b2', 'y'), rank('b3', 'z'), rank('b4', 'z')],
    });
    req.stakeholders[1].biasFactors = { cognitive: { anchoring: 0.6 }, temporal: 0.1 };
    const finding = makeDecision(req, { now: NOW }).biases.findings.find((f) => f.rule === 'declared');
    expect(finding).toMatchObject({ stakeholderIds: ['b1'], factor: 0.7, changedOutcome: false });
  });

  it('flags a ballot that runs against all the others as an outlier', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const voters = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];
    const req = request({
      alternatives: ids.map((id) => alternative(id, { quality: 1 })),
      votingSystem: 'borda',
      stakeholders: voters.map((id) => ({ id })),
      ballots: voters.map((id, k) =>
        k === 6
          ? rank(id, 'd', 'c', 'b', 'a')
          : rank(id, ...(k % 2 ? ['a', 'b', 'c', 'd'] : ['a', 'c', 'b', 'd'])),
      ),
    });
    const outliers = makeDecision(req, { now: NOW }).biases.findings.filter((f) => f.rule === 'outlier');
    expect(outliers.map((f) => f.stakeholderIds)).toEqual([['v7']]);
  });

  it('detects late ballots herding to the early leader and scales them back to its early share', () => {
    const voters = ['e1', 'e2', 'e3', 'e4', 'l1', 'l2', 'l3', 'l4'];
    const firsts = ['x', 'x', 'y', 'z', 'x', 'x', 'x', 'x'];
    const req = request({
      alternatives: ['x', 'y', 'z'].map((id) => alternative(id, { quality: 1 })),
      stakeholders: voters.map((id) => ({ id })),
      ballots: voters.map((id, k) => ({
        stakeholderId: id,
        ranking: [firsts[k]],
        castAt: new Date(Date.parse(NOW) + k * 60_000).toISOString(),
      })),
    });
    const finding = makeDecision(req, { now: NOW }).biases.findings.find((f) => f.rule === 'herding');
    // Early share of x is 1/2, late share 1: f = 0.5 x 0 / (1 x 0.5) = 0, held at the floor of 0.25.
    expect(finding).toMatchObject({
      stakeholderIds: ['l1', 'l2', 'l3', 'l4'],
      alternativeId: 'x',
      factor: 0.25,
      changedOutcome: false,
    });
  });
});
