// Counts the ballots under the requested voting system and puts the count in wire form.
import type { Tally } from '../result';
import type { VotingSystem } from '../types';
import {
  addVotes,
  approval,
  borda,
  decided,
  majorityOf,
  plurality,
  simpleMajority,
  type Count,
  type LinearRule,
} from './count';
import { instantRunoff } from './irv';
import { twoRound } from './two-round';
import type { Preference } from './preferences';
import { condorcetWinner, pairwisePreferences, schulze, schulzeFrom } from './schulze';

type Counter = (prefs: Preference[], weights: number[], tieRank: ArrayLike<number>) => Count;

const COUNTERS: Record<VotingSystem, Counter> = {
  simple_majority: simpleMajority,
  plurality,
  weighted: plurality,
  expertise_weighted: plurality,
  trust_weighted: plurality,
  stakeholder_weighted: plurality,
  borda,
  condorcet: schulze,
  approval,
  ranked_choice: instantRunoff,
  two_round: twoRound,
};

export function count(
  system: VotingSystem,
  prefs: Preference[],
  weights: number[],
  tieRank: ArrayLike<number>,
): Count {
  return COUNTERS[system](prefs, weights, tieRank);
}

export interface Recount {
  count: (weights: number[]) => Count;
  /** Only the winner; for Schulze a Condorcet winner is found without the strongest-path pass. */
  winner: (weights: number[]) => number | null;
}

/** The systems whose count is a weighted sum over ballots, and the rule each sums. */
const LINEAR: Partial<Record<VotingSystem, LinearRule>> = {
  simple_majority: 'first',
  plurality: 'first',
  weighted: 'first',
  expertise_weighted: 'first',
  trust_weighted: 'first',
  stakeholder_weighted: 'first',
  approval: 'approval',
  borda: 'borda',
};

/**
 * A counter for repeated recounts where only some ballots change weight (bias judgement). For the linear
 * systems and for Schulze's pairwise counts, the part from ballots whose weight never changes is added up once.
 */
export function prepareCount(
  system: VotingSystem,
  prefs: Preference[],
  tieRank: ArrayLike<number>,
  fixedWeights: number[],
  varies: Uint8Array,
): Recount {
  const rule = LINEAR[system];
  if (rule) {
    const m = tieRank.length;
    const fixed = addVotes(rule, prefs, fixedWeights, m, (b) => varies[b] === 0);
    const fixedTotal = prefs.reduce((sum, p, b) => sum + (p.empty || varies[b] ? 0 : fixedWeights[b]), 0);
    const recount = (weights: number[]): Count => {
      const counts = addVotes(rule, prefs, weights, m, (b) => varies[b] === 1, fixed.slice());
      if (system !== 'simple_majority') return decided(counts, tieRank);
      const total = prefs.reduce((sum, p, b) => sum + (p.empty || !varies[b] ? 0 : weights[b]), fixedTotal);
      return majorityOf(counts, total, tieRank);
    };
    return { count: recount, winner: (weights) => recount(weights).winner };
  }
  if (system !== 'condorcet') {
    const full = (weights: number[]) => count(system, prefs, weights, tieRank);
    return { count: full, winner: (weights) => full(weights).winner };
  }
  const m = tieRank.length;
  const fixed = pairwisePreferences(prefs, fixedWeights, m, (b) => varies[b] === 0);
  const pairwise = (weights: number[]) =>
    pairwisePreferences(prefs, weights, m, (b) => varies[b] === 1, fixed.slice());
  return {
    count: (weights) => schulzeFrom(pairwise(weights), tieRank),
    winner: (weights) => {
      const d = pairwise(weights);
      return condorcetWinner(d, m) ?? schulzeFrom(d, tieRank).winner;
    },
  };
}

const MATRIX_LIMIT = 25;

function matrix(values: Float64Array, ids: string[]): Record<string, Record<string, number>> {
  const m = ids.length;
  return Object.fromEntries(
    ids.map((x, i) => [
      x,
      Object.fromEntries(ids.flatMap((y, j) => (i === j ? [] : [[y, values[i * m + j]]]))),
    ]),
  );
}

export function toTally(
  system: VotingSystem,
  result: Count,
  ids: string[],
  prefs: Preference[],
  weights: number[],
): Tally {
  const counted = prefs.filter((p) => !p.empty);
  const tally: Tally = {
    system,
    ballotsCounted: counted.length,
    totalWeight: prefs.reduce((sum, p, b) => sum + (p.empty ? 0 : weights[b]), 0),
    counts: Object.fromEntries(ids.map((id, i) => [id, result.counts[i]])),
    order: result.order.map((i) => ids[i]),
    winner: result.winner === null ? null : ids[result.winner],
    tieBroken: result.tieBroken,
  };
  if (result.majorityThreshold !== undefined) tally.majorityThreshold = result.majorityThreshold;
  if (result.rounds) {
    tally.rounds = result.rounds.map((r) => ({
      counts: Object.fromEntries(
        ids.flatMap((id, i) => (r.counts[i] > 0 || r.eliminated === i ? [[id, r.counts[i]]] : [])),
      ),
      eliminated: r.eliminated === null ? null : ids[r.eliminated],
      exhausted: r.exhausted,
      ...(r.advanced ? { advanced: r.advanced.map((i) => ids[i]) } : {}),
    }));
  }
  if (result.condorcetWinner !== undefined)
    tally.condorcetWinner = result.condorcetWinner === null ? null : ids[result.condorcetWinner];
  if (result.pairwise && result.strongestPaths && ids.length <= MATRIX_LIMIT) {
    tally.pairwise = matrix(result.pairwise, ids);
    tally.strongestPaths = matrix(result.strongestPaths, ids);
  }
  return tally;
}
