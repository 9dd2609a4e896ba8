// Counting rules over weighted preferences: first choices, simple majority, approval and Borda.
import { bordaPoints, tierSize, type Preference } from './preferences';

export interface Count {
  counts: number[];
  order: number[];
  winner: number | null;
  tieBroken: boolean;
  majorityThreshold?: number;
  rounds?: Array<{ counts: number[]; eliminated: number | null; exhausted: number; advanced?: number[] }>;
  pairwise?: Float64Array;
  strongestPaths?: Float64Array;
  condorcetWinner?: number | null;
}

const TOLERANCE = 1e-9;
export const same = (a: number, b: number) =>
  Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** Indices by count, highest first; equal counts follow the tie-break rank (lower rank first). */
export function orderBy(counts: ArrayLike<number>, tieRank: ArrayLike<number>, indices?: number[]): number[] {
  const list = indices ?? Array.from({ length: counts.length }, (_, i) => i);
  return [...list].sort((a, b) =>
    same(counts[a], counts[b]) ? tieRank[a] - tieRank[b] : counts[b] - counts[a],
  );
}

function decided(counts: number[], tieRank: ArrayLike<number>): Count {
  const order = orderBy(counts, tieRank);
  const tieBroken = order.length > 1 && same(counts[order[0]], counts[order[1]]);
  return { counts, order, winner: order.length > 0 ? order[0] : null, tieBroken };
}

/** Each ballot's weight goes to its first tier, split equally when several alternatives share it. */
export function firstChoices(prefs: Preference[], weights: number[], m: number): number[] {
  const counts = new Array<number>(m).fill(0);
  prefs.forEach((p, b) => {
    if (p.empty) return;
    const size = tierSize(p, 0);
    for (let k = 0; k < size; k++) counts[p.order[k]] += weights[b] / size;
  });
  return counts;
}

/** Plurality and the weighted systems: most (weighted) first choices wins. */
export function plurality(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return decided(firstChoices(prefs, weights, tieRank.length), tieRank);
}

/** More than half of all counted (weighted) votes, or no winner at all. */
export function simpleMajority(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  const counts = firstChoices(prefs, weights, tieRank.length);
  const total = prefs.reduce((sum, p, b) => sum + (p.empty ? 0 : weights[b]), 0);
  const order = orderBy(counts, tieRank);
  const majorityThreshold = total / 2;
  const top = order[0];
  const winner =
    top !== undefined && counts[top] > majorityThreshold && !same(counts[top], majorityThreshold)
      ? top
      : null;
  return { counts, order, winner, tieBroken: false, majorityThreshold };
}

export function approval(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  const counts = new Array<number>(tieRank.length).fill(0);
  prefs.forEach((p, b) => {
    if (p.empty) return;
    for (let i = 0; i < counts.length; i++) if (p.approved[i]) counts[i] += weights[b];
  });
  return decided(counts, tieRank);
}

/** Borda count: m-1 points for first place down to 0 for last; ties share the mean of their places. */
export function borda(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  const m = tieRank.length;
  const counts = new Array<number>(m).fill(0);
  prefs.forEach((p, b) => {
    if (p.empty) return;
    for (let i = 0; i < m; i++) counts[i] += weights[b] * bordaPoints(p, i);
  });
  return decided(counts, tieRank);
}
