// Runs the requested multi-criteria method over the feasible alternatives and examines its sensitivity.
import type { AnalysisReport, SensitivityReport } from '../result';
import type { AnalysisMethod, CriterionDirection, DecisionAlternative } from '../types';
import { ahpCriteriaWeights, consistentMatrix, distributivePriorities } from './ahp';
import { buildMatrix, type DecisionMatrix } from './matrix';
import { weightSensitivity } from './sensitivity';
import { topsisScorer, vectorNormalise } from './topsis';
import { linearScores, normaliseMinMax } from './weighted-sum';

export interface AnalysisInput {
  alternatives: DecisionAlternative[];
  criteria: Array<{ name: string; weight: number; direction: CriterionDirection; adjustable: boolean }>;
  method: AnalysisMethod;
  pairwise?: number[][];
}

export interface AnalysisOutcome {
  report: AnalysisReport;
  matrix: DecisionMatrix;
  /** Aligned with matrix.alternativeIds. */
  scores: number[];
  weights: number[];
  sensitivity: SensitivityReport;
}

export function analyse(input: AnalysisInput): AnalysisOutcome {
  const matrix = buildMatrix(input.alternatives, input.criteria);
  let weights = input.criteria.map((c) => c.weight);
  let consistency: AnalysisReport['consistency'];
  let linear: number[][] | undefined;
  let score: (w: number[]) => ArrayLike<number>;
  if (input.method === 'topsis') {
    score = topsisScorer(vectorNormalise(matrix.values), matrix.directions);
  } else {
    if (input.method === 'ahp') {
      const ahp = ahpCriteriaWeights(input.pairwise ?? consistentMatrix(weights));
      weights = ahp.weights;
      consistency = {
        lambdaMax: ahp.lambdaMax,
        consistencyIndex: ahp.consistencyIndex,
        randomIndex: ahp.randomIndex,
        ratio: ahp.ratio,
      };
      linear = distributivePriorities(matrix.values, matrix.directions, matrix.criteria);
    } else {
      linear = normaliseMinMax(matrix.values, matrix.directions);
    }
    const normalised = linear;
    score = (w) => linearScores(normalised, w);
  }
  const scores = Array.from(score(weights));
  const sensitivity = weightSensitivity({
    criteria: input.criteria,
    alternativeIds: matrix.alternativeIds,
    weights,
    linear,
    score,
  });
  const ranked = matrix.alternativeIds.map((alternativeId, i) => ({ alternativeId, score: scores[i] }));
  ranked.sort((a, b) => b.score - a.score || (a.alternativeId < b.alternativeId ? -1 : 1));
  const report: AnalysisReport = {
    method: input.method,
    weights: Object.fromEntries(input.criteria.map((c, j) => [c.name, weights[j]])),
    directions: Object.fromEntries(input.criteria.map((c) => [c.name, c.direction])),
    scores: ranked,
    ...(consistency ? { consistency } : {}),
    imputed: matrix.imputed,
    softViolations: [],
  };
  return { report, matrix, scores, weights, sensitivity };
}
