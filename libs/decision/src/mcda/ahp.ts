// Analytic Hierarchy Process (Saaty): criteria weights from the principal eigenvector of a pairwise matrix.
import { DecisionValidationError, InconsistentPairwiseError } from '../errors';
import type { CriterionDirection } from '../types';

/** Saaty's random consistency index by matrix order (1980; orders 11-15 from his extended table). */
const RANDOM_INDEX = [0, 0, 0, 0.58, 0.9, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59];
export const CONSISTENCY_LIMIT = 0.1;

export function randomIndex(order: number): number {
  return RANDOM_INDEX[Math.min(order, RANDOM_INDEX.length - 1)];
}

export interface AhpWeights {
  weights: number[];
  lambdaMax: number;
  consistencyIndex: number;
  randomIndex: number;
  ratio: number;
}

/** Power iteration: w <- A w / |A w|_1 until the change is below tolerance. */
export function principalEigenvector(
  matrix: number[][],
  tolerance = 1e-12,
  maxIterations = 10_000,
): number[] {
  const n = matrix.length;
  let w = new Array<number>(n).fill(1 / n);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = matrix.map((row) => row.reduce((sum, a, j) => sum + a * w[j], 0));
    const total = next.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) next[i] /= total;
    const change = next.reduce((max, v, i) => Math.max(max, Math.abs(v - w[i])), 0);
    w = next;
    if (change < tolerance) break;
  }
  return w;
}

/** Weights, lambda max and consistency of a reciprocal pairwise matrix (no refusal here). */
export function pairwiseWeights(matrix: number[][]): AhpWeights {
  const n = matrix.length;
  const weights = principalEigenvector(matrix);
  const lambdaMax =
    matrix.reduce((sum, row, i) => sum + row.reduce((s, a, j) => s + a * weights[j], 0) / weights[i], 0) / n;
  const consistencyIndex = n > 1 ? Math.max(0, (lambdaMax - n) / (n - 1)) : 0;
  const ri = randomIndex(n);
  return { weights, lambdaMax, consistencyIndex, randomIndex: ri, ratio: ri > 0 ? consistencyIndex / ri : 0 };
}

/** As pairwiseWeights, but refuses judgements whose consistency ratio exceeds 0.1. */
export function ahpCriteriaWeights(matrix: number[][]): AhpWeights {
  const result = pairwiseWeights(matrix);
  if (result.ratio > CONSISTENCY_LIMIT) throw new InconsistentPairwiseError(result.ratio, CONSISTENCY_LIMIT);
  return result;
}

/** A perfectly consistent pairwise matrix a[i][j] = w[i] / w[j], used when AHP is asked for without judgements. */
export function consistentMatrix(weights: number[]): number[][] {
  const floor = 1e-9;
  return weights.map((wi) => weights.map((wj) => Math.max(wi, floor) / Math.max(wj, floor)));
}

/**
 * Local priorities of the alternatives under each criterion, in AHP's distributive mode: benefit values
 * x / sum(x), cost values (1/x) / sum(1/x). AHP ratio scales need positive values.
 */
export function distributivePriorities(
  values: number[][],
  directions: CriterionDirection[],
  criteria: string[],
): number[][] {
  const n = directions.length;
  const bad = criteria.filter((_, j) => values.some((row) => !(row[j] > 0)));
  if (bad.length > 0) {
    throw new DecisionValidationError(
      bad.map((c) => ({
        path: 'analysis.method',
        message: `ahp needs positive values, criterion '${c}' has a value <= 0`,
      })),
    );
  }
  const totals = new Array<number>(n).fill(0);
  for (const row of values)
    for (let j = 0; j < n; j++) totals[j] += directions[j] === 'benefit' ? row[j] : 1 / row[j];
  return values.map((row) => row.map((x, j) => (directions[j] === 'benefit' ? x : 1 / x) / totals[j]));
}
