// TOPSIS (Hwang & Yoon 1981) with vector normalisation.
import type { CriterionDirection } from '../types';

export interface TopsisResult {
  /** x / sqrt(sum of squares of its column). */
  normalised: number[][];
  /** normalised * weight. */
  weighted: number[][];
  ideal: number[];
  antiIdeal: number[];
  distanceToIdeal: number[];
  distanceToAntiIdeal: number[];
  /** Relative closeness S- / (S+ + S-), in [0, 1]; higher is better. */
  closeness: number[];
}

export function vectorNormalise(values: number[][]): number[][] {
  const n = values[0]?.length ?? 0;
  const norms = new Array<number>(n).fill(0);
  for (const row of values) for (let j = 0; j < n; j++) norms[j] += row[j] * row[j];
  for (let j = 0; j < n; j++) norms[j] = Math.sqrt(norms[j]);
  return values.map((row) => row.map((x, j) => (norms[j] > 0 ? x / norms[j] : 0)));
}

/** Closeness of each row from an already vector-normalised matrix. */
export function topsisFromNormalised(
  normalised: number[][],
  directions: CriterionDirection[],
  weights: number[],
): TopsisResult {
  const n = directions.length;
  const weighted = normalised.map((row) => row.map((r, j) => r * weights[j]));
  const ideal = new Array<number>(n);
  const antiIdeal = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of weighted) {
      if (row[j] < lo) lo = row[j];
      if (row[j] > hi) hi = row[j];
    }
    ideal[j] = directions[j] === 'benefit' ? hi : lo;
    antiIdeal[j] = directions[j] === 'benefit' ? lo : hi;
  }
  const distanceToIdeal: number[] = [];
  const distanceToAntiIdeal: number[] = [];
  const closeness: number[] = [];
  for (const row of weighted) {
    let plus = 0;
    let minus = 0;
    for (let j = 0; j < n; j++) {
      plus += (row[j] - ideal[j]) ** 2;
      minus += (row[j] - antiIdeal[j]) ** 2;
    }
    const sPlus = Math.sqrt(plus);
    const sMinus = Math.sqrt(minus);
    distanceToIdeal.push(sPlus);
    distanceToAntiIdeal.push(sMinus);
    // Every row equal to the ideal and the anti-ideal (no spread at all): all equally close.
    closeness.push(sPlus + sMinus > 0 ? sMinus / (sPlus + sMinus) : 1);
  }
  return { normalised, weighted, ideal, antiIdeal, distanceToIdeal, distanceToAntiIdeal, closeness };
}

export function topsis(
  values: number[][],
  directions: CriterionDirection[],
  weights: number[],
): TopsisResult {
  return topsisFromNormalised(vectorNormalise(values), directions, weights);
}

/** Closeness only, for repeated scoring (sensitivity): flat arrays, nothing allocated per call but the result. */
export function topsisScorer(
  normalised: number[][],
  directions: CriterionDirection[],
): (weights: number[]) => Float64Array {
  const rows = normalised.length;
  const n = directions.length;
  const flat = Float64Array.from(normalised.flat());
  // With weights >= 0, the best and worst weighted values are the weight times the best and worst normalised ones.
  const best = new Float64Array(n);
  const worst = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < rows; i++) {
      lo = Math.min(lo, flat[i * n + j]);
      hi = Math.max(hi, flat[i * n + j]);
    }
    best[j] = directions[j] === 'benefit' ? hi : lo;
    worst[j] = directions[j] === 'benefit' ? lo : hi;
  }
  return (weights) => {
    const closeness = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let plus = 0;
      let minus = 0;
      for (let j = 0; j < n; j++) {
        const r = flat[i * n + j];
        const w = weights[j];
        plus += (w * (r - best[j])) ** 2;
        minus += (w * (r - worst[j])) ** 2;
      }
      const sPlus = Math.sqrt(plus);
      const sMinus = Math.sqrt(minus);
      closeness[i] = sPlus + sMinus > 0 ? sMinus / (sPlus + sMinus) : 1;
    }
    return closeness;
  };
}
