// Counting budgets: the largest election each voting system accepts, so every count (and every recount that
// judges a bias correction) stays within a known number of steps and bytes.
import type { FieldProblem } from './errors';
import type { VotingSystem } from './types';

export interface CountLimit {
  /** Most alternatives a ballot may rank. */
  alternatives: number;
  /** Most ballots. */
  ballots: number;
  /** Most ballots x alternatives^power: the steps of one count. */
  cost: number;
  power: 1 | 2;
}

/** First-choice, approval, Borda, two-round and instant-runoff counts read each ballot cell a bounded number of times. */
const LINEAR: CountLimit = { alternatives: 1000, ballots: 20_000, cost: 2_000_000, power: 1 };
/** Schulze compares every pair on every ballot (ballots x alternatives^2) and runs Floyd-Warshall (alternatives^3). */
const PAIRWISE: CountLimit = { alternatives: 100, ballots: 20_000, cost: 20_000_000, power: 2 };

export const COUNT_LIMITS: Readonly<Record<VotingSystem, CountLimit>> = {
  simple_majority: LINEAR,
  plurality: LINEAR,
  weighted: LINEAR,
  expertise_weighted: LINEAR,
  trust_weighted: LINEAR,
  stakeholder_weighted: LINEAR,
  borda: LINEAR,
  approval: LINEAR,
  ranked_choice: LINEAR,
  two_round: LINEAR,
  condorcet: PAIRWISE,
};

/**
 * Problems with counting `ballots` ballots over `alternatives` alternatives under `system` (empty when within
 * budget). `ballotsPath` names the field the ballots come from (for live collection, the stakeholders asked).
 */
export function countLimitProblems(
  system: VotingSystem,
  alternatives: number,
  ballots: number,
  ballotsPath = 'ballots',
): FieldProblem[] {
  const limit = COUNT_LIMITS[system];
  if (!limit) return [];
  const problems: FieldProblem[] = [];
  if (alternatives > limit.alternatives)
    problems.push({
      path: 'alternatives',
      message: `${system} counts at most ${limit.alternatives} alternatives; got ${alternatives}`,
    });
  if (ballots > limit.ballots)
    problems.push({
      path: ballotsPath,
      message: `${system} counts at most ${limit.ballots} ballots; got ${ballots}`,
    });
  const cost = ballots * alternatives ** limit.power;
  if (problems.length === 0 && cost > limit.cost) {
    const shape = limit.power === 1 ? 'ballots x alternatives' : 'ballots x alternatives^2';
    problems.push({
      path: ballotsPath,
      message: `${system} counts at most ${shape} = ${limit.cost.toLocaleString('en-US')}; ${ballots} x ${alternatives}${limit.power === 2 ? '^2' : ''} = ${cost.toLocaleString('en-US')}`,
    });
  }
  return problems;
}
