// Smallest change of one criterion's weight that changes the analysis winner. The changed weight moves by
// delta and the other weights absorb -delta in proportion to their own size (equally if they are all 0),
// so the weights keep summing to 1.
import type { SensitivityReport, WeightChange } from '../result';
import { leaderOf } from './matrix';

export interface SensitivityInput {
  criteria: Array<{ name: string; adjustable: boolean }>;
  alternativeIds: string[];
  weights: number[];
  /** For linear methods (weighted sum, AHP): score = sum of weight * normalised value. Enables the closed form. */
  linear?: number[][];
  /** Any method: scores for a weight vector. Used by the grid-and-bisection search. */
  score: (weights: number[]) => ArrayLike<number>;
}

const EPS = 1e-12;

/** Share of a weight decrease of criterion k taken by each other criterion. */
function shares(weights: number[], k: number): number[] {
  const rest = 1 - weights[k];
  const others = weights.length - 1;
  return weights.map((w, j) => (j === k ? 0 : rest > EPS ? w / rest : 1 / others));
}

export function shiftWeights(weights: number[], k: number, delta: number): number[] {
  const share = shares(weights, k);
  return weights.map((w, j) => (j === k ? w + delta : Math.max(0, w - delta * share[j])));
}

/** Linear scores move linearly with delta, so each (criterion, rival) pair has one crossing point. */
function closedForm(input: SensitivityInput, leader: number, k: number): WeightChange | null {
  const r = input.linear as number[][];
  const w = input.weights;
  const share = shares(w, k);
  const score = (i: number) => r[i].reduce((s, v, j) => s + w[j] * v, 0);
  const rest = (i: number) => r[i].reduce((s, v, j) => s + share[j] * v, 0);
  const leaderScore = score(leader);
  const leaderRest = rest(leader);
  let best: WeightChange | null = null;
  for (let b = 0; b < r.length; b++) {
    if (b === leader) continue;
    const gap = leaderScore - score(b);
    const slope = r[leader][k] - r[b][k] - (leaderRest - rest(b));
    if (Math.abs(slope) < EPS) continue;
    const delta = -gap / slope;
    const to = w[k] + delta;
    if (to < -EPS || to > 1 + EPS) continue;
    if (!best || Math.abs(delta) < Math.abs(best.delta)) {
      best = {
        criterion: input.criteria[k].name,
        from: w[k],
        to: Math.min(1, Math.max(0, to)),
        delta,
        newWinner: input.alternativeIds[b],
      };
    }
  }
  return best;
}

const GRID = 16;
const BISECTIONS = 30;

/** For non-linear methods: walk a grid of deltas in each direction, then bisect the first step that changes the winner. */
function gridBisection(input: SensitivityInput, leader: number, k: number): WeightChange | null {
  const w = input.weights;
  const winnerAt = (delta: number) => leaderOf(input.score(shiftWeights(w, k, delta)));
  let best: WeightChange | null = null;
  for (const sign of [1, -1]) {
    const room = sign > 0 ? 1 - w[k] : w[k];
    if (room <= EPS) continue;
    let previous = 0;
    for (let step = 1; step <= GRID; step++) {
      const delta = (sign * room * step) / GRID;
      if (best && Math.abs(delta) >= Math.abs(best.delta) + room / GRID) break;
      const winner = winnerAt(delta);
      if (winner === leader) {
        previous = delta;
        continue;
      }
      let inside = previous;
      let outside = delta;
      let newWinner = winner;
      for (let i = 0; i < BISECTIONS; i++) {
        const mid = (inside + outside) / 2;
        const atMid = winnerAt(mid);
        if (atMid === leader) inside = mid;
        else [outside, newWinner] = [mid, atMid];
      }
      if (!best || Math.abs(outside) < Math.abs(best.delta)) {
        best = {
          criterion: input.criteria[k].name,
          from: w[k],
          to: w[k] + outside,
          delta: outside,
          newWinner: input.alternativeIds[newWinner],
        };
      }
      break;
    }
  }
  return best;
}

export function weightSensitivity(input: SensitivityInput): SensitivityReport {
  const method = input.linear ? 'closed_form' : 'grid_bisection';
  if (input.alternativeIds.length < 2 || input.weights.length < 2) {
    return {
      method,
      leader: input.alternativeIds[0] ?? null,
      smallestChange: null,
      perCriterion: input.criteria.map((c) => ({
        criterion: c.name,
        adjustable: c.adjustable,
        change: null,
      })),
    };
  }
  const leader = leaderOf(input.score(input.weights));
  const perCriterion = input.criteria.map((c, k) => ({
    criterion: c.name,
    adjustable: c.adjustable,
    change: input.linear ? closedForm(input, leader, k) : gridBisection(input, leader, k),
  }));
  let smallestChange: WeightChange | null = null;
  for (const { change } of perCriterion) {
    if (change && (!smallestChange || Math.abs(change.delta) < Math.abs(smallestChange.delta)))
      smallestChange = change;
  }
  return { method, leader: input.alternativeIds[leader], smallestChange, perCriterion };
}
