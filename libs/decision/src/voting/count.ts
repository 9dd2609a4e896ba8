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

export function decided(counts: number[], tieRank: ArrayLike<number>): Count {
  const order = orderBy(counts, tieRank);
  const tieBroken = order.length > 1 && same(counts[order[0]], counts[order[1]]);
  return { counts, order, winner: order.length > 0 ? order[0] : null, tieBroken };
}

/** Counts that are a weighted sum over ballots: first choices, approvals, Borda points. */
export type LinearRule = 'first' | 'approval' | 'borda';

/**
 * Adds each ballot's weighted contribution under `rule` into `into` (a zero vector by default), only for the
 * ballots `include` accepts, so a caller can keep the part that does not change between recounts. First
 * choices split a first tier of equals; Borda gives m-1 points for a sole first place down to 0, ties sharing
 * the mean of their places.
 */
export function addVotes(
  rule: LinearRule,
  prefs: Preference[],
  weights: number[],
  m: number,
  include?: (ballot: number) => boolean,
  into?: number[],
): number[] {
  const counts = into ?? new Array<number>(m).fill(0);
  prefs.forEach((p, b) => {
    if (p.empty || (include && !include(b))) return;
    const w = weights[b];
    if (rule === 'first') {
      const size = tierSize(p, 0);
      for (let k = 0; k < size; k++) counts[p.order[k]] += w / size;
    } else if (rule === 'approval') {
      for (let i = 0; i < m; i++) if (p.approved[i]) counts[i] += w;
    } else {
      for (let i = 0; i < m; i++) counts[i] += w * bordaPoints(p, i);
    }
  });
  return counts;
}

/** Each ballot's weight goes to its first tier, split equally when several alternatives share it. */
export function firstChoices(prefs: Preference[], weights: number[], m: number): number[] {
  return addVotes('first', prefs, weights, m);
}

/** Total weight of the non-empty ballots. */
export const countedWeight = (prefs: Preference[], weights: number[]) =>
  prefs.reduce((sum, p, b) => sum + (p.empty ? 0 : weights[b]), 0);

/** Simple majority from first-choice counts: more than half of `total`, or no winner at all. */
export function majorityOf(counts: number[], total: number, tieRank: ArrayLike<number>): Count {
  const order = orderBy(counts, tieRank);
  const majorityThreshold = total / 2;
  const top = order[0];
  const winner =
    top !== undefined && counts[top] > majorityThreshold && !same(counts[top], majorityThreshold)
      ? top
      : null;
  return { counts, order, winner, tieBroken: false, majorityThreshold };
}

/** Plurality and the weighted systems: most (weighted) first choices wins. */
export function plurality(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return decided(firstChoices(prefs, weights, tieRank.length), tieRank);
}

/** More than half of all counted (weighted) votes, or no winner at all. */
export function simpleMajority(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return majorityOf(firstChoices(prefs, weights, tieRank.length), countedWeight(prefs, weights), tieRank);
}

export function approval(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return decided(addVotes('approval', prefs, weights, tieRank.length), tieRank);
}

/** Borda count: m-1 points for first place down to 0 for last; ties share the mean of their places. */
export function borda(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return decided(addVotes('borda', prefs, weights, tieRank.length), tieRank);
}
