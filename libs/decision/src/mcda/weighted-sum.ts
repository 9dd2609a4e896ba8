// Weighted sum (simple additive weighting) over min-max normalised values.
import type { CriterionDirection } from '../types';
import { paretoRows } from './matrix';

/**
 * Min-max normalisation where best and worst are taken over the non-dominated alternatives only, so a
 * dominated alternative can never stretch a scale and reorder the others (it may score below 0 instead).
 * Benefit: (x - worst) / (best - worst); cost: (worst - x) / (worst - best). A flat scale uses |best| (or 1).
 */
export function normaliseMinMax(values: number[][], directions: CriterionDirection[]): number[][] {
  const reference = paretoRows(values, directions);
  const n = directions.length;
  const low = new Array<number>(n).fill(Infinity);
  const high = new Array<number>(n).fill(-Infinity);
  for (const i of reference) {
    for (let j = 0; j < n; j++) {
      low[j] = Math.min(low[j], values[i][j]);
      high[j] = Math.max(high[j], values[i][j]);
    }
  }
  return values.map((row) =>
    row.map((x, j) => {
      const benefit = directions[j] === 'benefit';
      const span = high[j] - low[j];
      if (span > 0) return benefit ? (x - low[j]) / span : (high[j] - x) / span;
      const scale = Math.abs(high[j]) || 1;
      return 1 + (benefit ? x - high[j] : high[j] - x) / scale;
    }),
  );
}

/** Score of each row: the weighted sum of its normalised values. */
export function linearScores(normalised: number[][], weights: number[]): number[] {
  return normalised.map((row) => row.reduce((sum, r, j) => sum + weights[j] * r, 0));
}

export function weightedSum(
  values: number[][],
  directions: CriterionDirection[],
  weights: number[],
): { normalised: number[][]; scores: number[] } {
  const normalised = normaliseMinMax(values, directions);
  return { normalised, scores: linearScores(normalised, weights) };
}
