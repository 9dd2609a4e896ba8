import { makeDecision } from './engine';
import { DecisionValidationError } from './errors';
import { countLimitProblems } from './limits';
import { NOW, alternative, request } from './test-fixtures';
import type { Ballot, DecisionRequest, Stakeholder } from './types';

const rank = (stakeholderId: string, ...ranking: string[]): Ballot => ({ stakeholderId, ranking });
const unmeasured = (id: string, proposedBy?: string) => ({
  id,
  name: id,
  attributes: [],
  ...(proposedBy ? { proposedBy } : {}),
});

function refusal(req: DecisionRequest): DecisionValidationError {
  try {
    makeDecision(req, { now: NOW });
  } catch (e) {
    if (e instanceof DecisionValidationError) return e;
    throw e;
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('self-interest (issue example): a weight-3 stakeholder scores their own team proposal 10, the rest 0', () => {
  // Nine colleagues outside the platform team agree on a > p > b > c: p is their second choice, normalised
  // Borda score 2/3, while the lead gives it 1. Gap 1/3 >= 0.25: self-interest, factor 1 - (1/3)/2 = 5/6.
  const colleagues: Stakeholder[] = Array.from({ length: 9 }, (_, k) => ({ id: `c${k}`, role: 'engineer' }));
  const req = request({
    alternatives: [unmeasured('a'), unmeasured('b'), unmeasured('c'), unmeasured('p', 'platform')],
    criteria: [{ criterion: 'quality', weight: 1 }],
    votingSystem: 'weighted',
    stakeholders: [{ id: 'lead', role: 'platform', votingWeight: 3 }, ...colleagues],
    ballots: [
      { stakeholderId: 'lead', scores: { p: 10, a: 0, b: 0, c: 0 } },
      ...colleagues.map((c) => rank(c.id, 'a', 'p', 'b', 'c')),
    ],
  });

  it('is found with its evidence, corrected by default, and the reply says how much weight moved', () => {
    const { biases } = makeDecision(req, { now: NOW });
    expect(biases.findings).toHaveLength(1);
    const [finding] = biases.findings;
    expect(finding).toMatchObject({
      rule: 'self_favouring',
      kind: 'evidence',
      applied: true,
      stakeholderIds: ['lead'],
      alternativeId: 'p',
      weightBefore: 3,
    });
    expect(finding.factor).toBeCloseTo(5 / 6, 12);
    expect(finding.weightAfter).toBeCloseTo(2.5, 12);
    expect(finding.evidence).toContain('the 9 voters outside platform give it 0.67');
    expect(biases.adjustments).toEqual([
      {
        stakeholderId: 'lead',
        from: 3,
        to: finding.weightAfter,
        factor: finding.factor,
        rules: ['self_favouring'],
      },
    ]);
    expect(biases.weightMoved).toBeCloseTo(0.5, 12);
    expect(biases.shareMoved).toBeCloseTo(0.5 / 12, 12);
  });

  it('is found the same way when the voter belongs to the proposing team through stakeholders[].team', () => {
    const byTeam = {
      ...req,
      stakeholders: req.stakeholders.map((s) =>
        s.id === 'lead' ? { ...s, role: 'architect', team: 'platform' } : s,
      ),
    };
    expect(makeDecision(byTeam, { now: NOW }).biases.findings.map((f) => f.stakeholderIds)).toEqual([
      ['lead'],
    ]);
  });

  it('is not found when the outsiders rate the proposal as highly as the voter does', () => {
    const agreed = {
      ...req,
      ballots: req.ballots?.map((b) =>
        b.stakeholderId === 'lead' ? b : rank(b.stakeholderId, 'p', 'a', 'b', 'c'),
      ),
    };
    expect(makeDecision(agreed, { now: NOW }).biases.findings).toEqual([]);
  });
});

describe('when correction changes the outcome', () => {
  // Plurality-weighted: lead (3) for their own p; outsiders 2 for a, 2 for b, all putting p last.
  const req = (biasCorrection?: DecisionRequest['biasCorrection']) =>
    request({
      alternatives: [unmeasured('a'), unmeasured('b'), unmeasured('p', 'platform')],
      criteria: [],
      votingSystem: 'weighted',
      stakeholders: [
        { id: 'lead', role: 'platform', votingWeight: 3 },
        ...['o1', 'o2', 'o3', 'o4'].map((id) => ({ id, role: 'ops' })),
      ],
      ballots: [
        rank('lead', 'p', 'a', 'b'),
        rank('o1', 'a', 'b', 'p'),
        rank('o2', 'a', 'b', 'p'),
        rank('o3', 'b', 'a', 'p'),
        rank('o4', 'b', 'a', 'p'),
      ],
      ...(biasCorrection ? { biasCorrection } : {}),
    });

  it('keeps the uncorrected winner beside the corrected one and says why it changed', () => {
    const result = makeDecision(req(), { now: NOW });
    // Uncorrected p 3, a 2, b 2; corrected p 1.5, so a and b tie at 2 and the id order picks a.
    expect(result.biases).toMatchObject({
      uncorrectedWinner: 'p',
      correctedWinner: 'a',
      changedOutcome: true,
      weightMoved: 1.5,
    });
    expect(result.winningAlternative?.id).toBe('a');
    expect(result.biases.findings[0]).toMatchObject({
      rule: 'self_favouring',
      factor: 0.5,
      applied: true,
      changedOutcome: true,
    });
    expect(result.biases.explanation).toBe(
      '1 correction(s) moved 1.5 weight (21.4% of 7) and changed the winner from p to a because of self_favouring of lead (x0.5)',
    );
  });

  it("'report' shows the same finding, changes no weight and says applying it would change the winner", () => {
    const result = makeDecision(req('report'), { now: NOW });
    expect(result.winningAlternative?.id).toBe('p');
    expect(result.biases).toMatchObject({
      mode: 'report',
      corrected: false,
      adjustments: [],
      weightMoved: 0,
      uncorrectedWinner: 'p',
      correctedWinner: 'p',
      changedOutcome: false,
    });
    expect(result.biases.findings[0]).toMatchObject({
      applied: false,
      weightBefore: 3,
      weightAfter: 3,
      changedOutcome: true,
    });
  });

  it("'off' does not look; the request's field wins over the caller's option", () => {
    expect(makeDecision(req('off'), { now: NOW, biasCorrection: 'auto' }).biases).toMatchObject({
      mode: 'off',
      findings: [],
    });
    expect(makeDecision(req(), { now: NOW, biasCorrection: false }).biases.mode).toBe('off');
  });
});

describe('statistical findings are reported, and change weights only when asked', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const voters = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];
  // Six voters rank a first (b and c alternating second); v7 ranks the exact reverse.
  const contrarian = (count: number, biasCorrection?: DecisionRequest['biasCorrection']) =>
    request({
      alternatives: ids.map((id) => alternative(id, { quality: 1 })),
      votingSystem: 'borda',
      stakeholders: voters.map((id) => ({ id })),
      ballots: voters.map((id, k) =>
        k >= 7 - count
          ? rank(id, 'd', 'c', 'b', 'a')
          : rank(id, ...(k % 2 ? ['a', 'b', 'c', 'd'] : ['a', 'c', 'b', 'd'])),
      ),
      ...(biasCorrection ? { biasCorrection } : {}),
    });

  it('by default an outlier is reported with its evidence and keeps its full weight', () => {
    const { biases } = makeDecision(contrarian(1), { now: NOW });
    expect(biases.findings).toHaveLength(1);
    expect(biases.findings[0]).toMatchObject({
      rule: 'outlier',
      kind: 'statistical',
      stakeholderIds: ['v7'],
      applied: false,
      weightBefore: 1,
      weightAfter: 1,
    });
    expect(biases.findings[0].evidence).toMatch(/rank correlation with the other ballots -\d\.\d\d/);
    expect(biases.corrected).toBe(false);
    expect(biases.explanation).toContain(
      "statistical findings change weights only with biasCorrection 'all'",
    );
  });

  it("with biasCorrection 'all' the outlier is halved", () => {
    const { biases } = makeDecision(contrarian(1, 'all'), { now: NOW });
    expect(biases.findings[0]).toMatchObject({ rule: 'outlier', applied: true, weightAfter: 0.5 });
    expect(biases.adjustments).toEqual([
      { stakeholderId: 'v7', from: 1, to: 0.5, factor: 0.5, rules: ['outlier'] },
    ]);
  });

  it('two voters casting the same contrarian ballot are a bloc, never outliers, even in mode all', () => {
    expect(makeDecision(contrarian(2, 'all'), { now: NOW }).biases.findings).toEqual([]);
  });

  it('herding is reported but, by default, changes no weight', () => {
    const dated = ['e1', 'e2', 'e3', 'e4', 'l1', 'l2', 'l3', 'l4'];
    const firsts = ['x', 'x', 'y', 'z', 'x', 'x', 'x', 'x'];
    const req = request({
      alternatives: ['x', 'y', 'z'].map((id) => alternative(id, { quality: 1 })),
      stakeholders: dated.map((id) => ({ id })),
      ballots: dated.map((id, k) => ({
        stakeholderId: id,
        ranking: [firsts[k]],
        castAt: new Date(Date.parse(NOW) + k * 60_000).toISOString(),
      })),
    });
    const { biases, tally } = makeDecision(req, { now: NOW });
    // The lone y and z voters are also reported as outliers; nothing is applied.
    expect(biases.findings.find((f) => f.rule === 'herding')).toMatchObject({
      applied: false,
      stakeholderIds: ['l1', 'l2', 'l3', 'l4'],
    });
    expect(biases.findings.filter((f) => f.applied)).toEqual([]);
    expect(tally?.counts.x).toBe(6);
  });
});

describe('ballots decide without measurements', () => {
  const vote = (overrides: Partial<DecisionRequest>) =>
    request({
      alternatives: [unmeasured('a'), unmeasured('b')],
      criteria: [
        { criterion: 'quality', weight: 0.6 },
        { criterion: 'cost', weight: 0.4 },
      ],
      stakeholders: [{ id: 's1' }, { id: 's2' }, { id: 's3' }],
      ballots: [rank('s1', 'b', 'a'), rank('s2', 'b', 'a'), rank('s3', 'a', 'b')],
      ...overrides,
    });

  it('criteria without values are reported, not refused, and the vote decides', () => {
    const result = makeDecision(vote({}), { now: NOW });
    expect(result).toMatchObject({ outcome: 'decided', decidedBy: 'vote' });
    expect(result.winningAlternative?.id).toBe('b');
    expect(result.analysis.unmeasured).toEqual(['cost', 'quality']);
    expect(result.confidence).toBeGreaterThan(0);
  });

  it('an empty criteria list is accepted for a vote', () => {
    const result = makeDecision(vote({ criteria: [] }), { now: NOW });
    expect(result.winningAlternative?.id).toBe('b');
    expect(result.analysis.unmeasured).toBeUndefined();
  });

  it('the analysis runs over the criteria that have values, re-weighted among themselves', () => {
    const result = makeDecision(
      vote({ alternatives: [alternative('a', { cost: 2 }), alternative('b', { cost: 1 })] }),
      { now: NOW },
    );
    expect(result.analysis.unmeasured).toEqual(['quality']);
    expect(result.analysis.weights).toEqual({ cost: 1 });
    expect(result.analysis.scores[0].alternativeId).toBe('b');
  });

  it('an explicitly requested analysis method still needs its values', () => {
    const error = refusal(vote({ analysis: { method: 'topsis' } }));
    expect(error.details.fields).toEqual(
      expect.arrayContaining([
        { path: 'alternatives[].attributes', message: "no alternative has a value for criterion 'quality'" },
      ]),
    );
  });

  it('without ballots the analysis decides and needs criteria with values', () => {
    expect(refusal(vote({ ballots: [] })).details.fields[0].message).toMatch(
      /no alternative has a value for criterion/,
    );
    expect(refusal(vote({ ballots: [], criteria: [] })).details.fields[0].path).toBe('criteria');
  });
});

describe('counting limits per voting system', () => {
  const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const sized = (system: DecisionRequest['votingSystem'], m: number, n: number) =>
    request({
      alternatives: many(m, 'alt').map((id) => unmeasured(id)),
      criteria: [],
      votingSystem: system,
      stakeholders: many(n, 's').map((id) => ({ id })),
      ballots: many(n, 's').map((id) => rank(id, 'alt0')),
    });

  it('Condorcet counts at most 100 alternatives', () => {
    expect(refusal(sized('condorcet', 101, 1)).details.fields).toEqual([
      { path: 'alternatives', message: 'condorcet counts at most 100 alternatives; got 101' },
    ]);
  });

  it('Condorcet counts at most ballots x alternatives^2 = 20,000,000', () => {
    expect(refusal(sized('condorcet', 100, 2001)).details.fields).toEqual([
      {
        path: 'ballots',
        message: 'condorcet counts at most ballots x alternatives^2 = 20,000,000; 2001 x 100^2 = 20,010,000',
      },
    ]);
    expect(countLimitProblems('condorcet', 100, 2000)).toEqual([]);
  });

  it('the other systems count at most ballots x alternatives = 2,000,000', () => {
    expect(refusal(sized('ranked_choice', 1000, 2001)).details.fields[0]).toEqual({
      path: 'ballots',
      message: 'ranked_choice counts at most ballots x alternatives = 2,000,000; 2001 x 1000 = 2,001,000',
    });
    expect(countLimitProblems('plurality', 1000, 2000)).toEqual([]);
    expect(countLimitProblems('borda', 10, 20_001)).toEqual([
      { path: 'ballots', message: 'borda counts at most 20000 ballots; got 20001' },
    ]);
  });
});
