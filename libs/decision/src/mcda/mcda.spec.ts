import { makeDecision } from '../engine';
import { InconsistentPairwiseError } from '../errors';
import { NOW, alternative, request } from '../test-fixtures';
import { ahpCriteriaWeights, pairwiseWeights, randomIndex } from './ahp';
import { applyConstraints } from './constraints';
import { weightSensitivity } from './sensitivity';
import { topsis, topsisScorer, vectorNormalise } from './topsis';
import { linearScores, normaliseMinMax } from './weighted-sum';

describe('weighted sum model', () => {
  // Wikipedia, "Weighted sum model", example: weights 0.20/0.15/0.40/0.25, same units; scores A1 21.50, A2 22.00, A3 22.00.
  it('scores the Wikipedia example 21.5, 22, 22', () => {
    const scores = linearScores(
      [
        [25, 20, 15, 30],
        [10, 30, 20, 30],
        [30, 10, 30, 10],
      ],
      [0.2, 0.15, 0.4, 0.25],
    );
    expect(scores[0]).toBeCloseTo(21.5, 10);
    expect(scores[1]).toBeCloseTo(22, 10);
    expect(scores[2]).toBeCloseTo(22, 10);
  });

  it('min-max normalises benefit criteria upward and cost criteria downward', () => {
    const r = normaliseMinMax(
      [
        [10, 50],
        [20, 100],
        [15, 75],
      ],
      ['benefit', 'cost'],
    );
    expect(r).toEqual([
      [0, 1],
      [1, 0],
      [0.5, 0.5],
    ]);
  });

  it('takes the scale from the non-dominated alternatives, so a dominated one scores below it', () => {
    const r = normaliseMinMax(
      [
        [10, 50],
        [20, 100],
        [5, 150],
      ],
      ['benefit', 'cost'],
    );
    expect(r).toEqual([
      [0, 1],
      [1, 0],
      [-0.5, -1],
    ]);
  });
});

describe('TOPSIS with vector normalisation', () => {
  // Sennaroğlu, Decision Analysis lecture (2009), TOPSIS example: values (17,12), (10,9), (8,6), weights 0.714/0.286;
  // published weighted normalised matrix V = [0.5703 0.2124; 0.3355 0.1593; 0.2684 0.1062].
  it('reproduces the weighted normalised matrix of the Sennaroğlu example', () => {
    const result = topsis(
      [
        [17, 12],
        [10, 9],
        [8, 6],
      ],
      ['benefit', 'benefit'],
      [0.714, 0.286],
    );
    const published = [
      [0.5703, 0.2124],
      [0.3355, 0.1593],
      [0.2684, 0.1062],
    ];
    result.weighted.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(published[i][j], 4)));
    expect(result.closeness[0]).toBe(1);
  });

  // Hwang & Yoon (1981), fighter-aircraft example: six attributes (speed, range, payload, cost [lower is better],
  // reliability, manoeuvrability), weights 0.2/0.1/0.1/0.1/0.2/0.3; published closeness A1 0.643, A2 0.268.
  it('gives the published relative closeness for A1 and A2 of the fighter-aircraft example', () => {
    const values = [
      [2.0, 1500, 20000, 5.5, 5, 9],
      [2.5, 2700, 18000, 6.5, 3, 5],
      [1.8, 2000, 21000, 4.5, 7, 7],
      [2.2, 1800, 20000, 5.0, 5, 5],
    ];
    const result = topsis(
      values,
      ['benefit', 'benefit', 'benefit', 'cost', 'benefit', 'benefit'],
      [0.2, 0.1, 0.1, 0.1, 0.2, 0.3],
    );
    expect(result.closeness[0]).toBeCloseTo(0.643, 3);
    expect(result.closeness[1]).toBeCloseTo(0.268, 3);
  });
});

describe('AHP', () => {
  // Wikipedia, "Analytic hierarchy process – leader example": criteria Experience, Education, Charisma, Age with
  // judgements Exp/Edu 4, Exp/Cha 3, Exp/Age 7, Edu/Cha 1/3, Edu/Age 3, Cha/Age 5; published priorities
  // .547, .127, .270, .056 (to within the article's rounding) and consistency ratio 0.044.
  const leader = [
    [1, 4, 3, 7],
    [1 / 4, 1, 1 / 3, 3],
    [1 / 3, 3, 1, 5],
    [1 / 7, 1 / 3, 1 / 5, 1],
  ];

  it('derives the published criteria priorities and consistency ratio of the leader example', () => {
    const result = ahpCriteriaWeights(leader);
    [0.547, 0.127, 0.27, 0.056].forEach((w, i) => expect(result.weights[i]).toBeCloseTo(w, 2));
    expect(result.ratio).toBeCloseTo(0.044, 3);
  });

  it("uses Saaty's random index (n=3: 0.58, n=4: 0.90, n=5: 1.12, n=10: 1.49)", () => {
    expect([randomIndex(3), randomIndex(4), randomIndex(5), randomIndex(10)]).toEqual([
      0.58, 0.9, 1.12, 1.49,
    ]);
  });

  it('refuses judgements with a consistency ratio above 0.1, carrying the ratio', () => {
    const cyclic = [
      [1, 9, 1 / 9],
      [1 / 9, 1, 9],
      [9, 1 / 9, 1],
    ];
    const ratio = pairwiseWeights(cyclic).ratio;
    expect(ratio).toBeGreaterThan(0.1);
    let error: unknown;
    try {
      ahpCriteriaWeights(cyclic);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InconsistentPairwiseError);
    expect((error as InconsistentPairwiseError).code).toBe('VALIDATION_FAILED');
    expect((error as InconsistentPairwiseError).details.consistencyRatio).toBeCloseTo(ratio, 12);
  });

  it('a decision request with inconsistent judgements fails VALIDATION_FAILED naming analysis.pairwise.criteria', () => {
    const req = request({
      alternatives: [
        alternative('x', { quality: 1, performance: 2, security: 3 }),
        alternative('y', { quality: 3, performance: 2, security: 1 }),
      ],
      criteria: ['quality', 'performance', 'security'].map((criterion) => ({ criterion, weight: 1 })),
      analysis: {
        method: 'ahp',
        pairwise: {
          criteria: [
            [1, 9, 1 / 9],
            [1 / 9, 1, 9],
            [9, 1 / 9, 1],
          ],
        },
      },
    });
    expect(() => makeDecision(req, { now: NOW })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: expect.objectContaining({
          fields: [expect.objectContaining({ path: 'analysis.pairwise.criteria' })],
        }),
      }),
    );
  });

  it('maps the leader example judgements onto criteria named in any order', () => {
    const names = ['experience', 'education', 'charisma', 'age'];
    const req = request({
      alternatives: [
        alternative('tom', { experience: 1, education: 1, charisma: 1, age: 1 }),
        alternative('dick', { experience: 2, education: 1, charisma: 1, age: 1 }),
      ],
      criteria: names.map((criterion) => ({ criterion, weight: 1, direction: 'benefit' as const })),
      analysis: { method: 'ahp', pairwise: { criteria: leader } },
    });
    const { analysis } = makeDecision(req, { now: NOW });
    expect(analysis.weights.experience).toBeCloseTo(0.547, 2);
    expect(analysis.weights.education).toBeCloseTo(0.127, 2);
    expect(analysis.weights.charisma).toBeCloseTo(0.27, 2);
    expect(analysis.weights.age).toBeCloseTo(0.056, 2);
    expect(analysis.consistency?.ratio).toBeCloseTo(0.044, 3);
  });

  it('a consistent matrix gives the weights it was built from and ratio 0', () => {
    const result = pairwiseWeights([
      [1, 2, 4],
      [1 / 2, 1, 2],
      [1 / 4, 1 / 2, 1],
    ]);
    [4 / 7, 2 / 7, 1 / 7].forEach((w, i) => expect(result.weights[i]).toBeCloseTo(w, 10));
    expect(result.ratio).toBeCloseTo(0, 10);
  });
});

describe('weight sensitivity', () => {
  // Hand-worked: A = (1, 0), B = (0, 1) normalised, weights (0.6, 0.4): A leads 0.6 to 0.4 and the tie comes
  // when the first weight drops by 0.1 (to 0.5) or the second rises by 0.1.
  const linear = [
    [1, 0],
    [0, 1],
  ];
  const base = {
    criteria: [
      { name: 'c1', adjustable: true },
      { name: 'c2', adjustable: true },
    ],
    alternativeIds: ['A', 'B'],
    weights: [0.6, 0.4],
  };

  it('closed form finds a change of 0.1 that hands the lead to B', () => {
    const report = weightSensitivity({ ...base, linear, score: (w) => linearScores(linear, w) });
    expect(report.method).toBe('closed_form');
    expect(report.leader).toBe('A');
    expect(Math.abs(report.smallestChange?.delta ?? 0)).toBeCloseTo(0.1, 10);
    expect(report.smallestChange?.newWinner).toBe('B');
  });

  it('grid and bisection over TOPSIS finds the same 0.1 on the symmetric problem', () => {
    const report = weightSensitivity({
      ...base,
      score: (w) => topsis(linear, ['benefit', 'benefit'], w).closeness,
    });
    expect(report.method).toBe('grid_bisection');
    expect(Math.abs(report.smallestChange?.delta ?? 0)).toBeCloseTo(0.1, 6);
    expect(report.smallestChange?.newWinner).toBe('B');
  });
});

describe('constraints', () => {
  it('hard constraints exclude with a reason; soft ones are only reported', () => {
    const alternatives = [
      alternative('cheap', { cost: 10, security: 0.4 }),
      alternative('dear', { cost: 90, security: 0.9 }),
      alternative('blank', {}),
    ];
    const outcome = applyConstraints(alternatives, [
      { id: 'budget', criterion: 'cost', operator: 'lte', value: 50 },
      { id: 'secure', criterion: 'security', operator: 'gte', value: 0.5, hard: false },
    ]);
    expect(outcome.feasible.map((a) => a.id)).toEqual(['cheap']);
    expect(outcome.excluded).toEqual([
      {
        alternativeId: 'dear',
        reasons: [
          expect.objectContaining({
            constraintId: 'budget',
            actual: 90,
            limit: 50,
            message: 'cost is 90; required cost <= 50',
          }),
        ],
      },
      {
        alternativeId: 'blank',
        reasons: [expect.objectContaining({ constraintId: 'budget', actual: null })],
      },
    ]);
    expect(outcome.softViolations.map((v) => v.alternativeId)).toEqual(['cheap', 'blank']);
  });
});

describe('TOPSIS scorer used by the sensitivity search', () => {
  it('agrees with the full TOPSIS computation', () => {
    const values = [
      [2.0, 1500, 20000, 5.5, 5, 9],
      [2.5, 2700, 18000, 6.5, 3, 5],
      [1.8, 2000, 21000, 4.5, 7, 7],
      [2.2, 1800, 20000, 5.0, 5, 5],
    ];
    const directions = ['benefit', 'benefit', 'benefit', 'cost', 'benefit', 'benefit'] as const;
    const weights = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3];
    const fast = topsisScorer(vectorNormalise(values), [...directions])(weights);
    topsis(values, [...directions], weights).closeness.forEach((c, i) => expect(fast[i]).toBeCloseTo(c, 12));
  });
});
