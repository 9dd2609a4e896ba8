// makeDecision: validation, constraints, analysis, then the vote (or the analysis alone), confidence and plan.
import { confidenceFrom, criteriaAgreement, evidenceOf, relativeMargin, robustnessOf } from './confidence';
import { DecisionValidationError } from './errors';
import { analyse } from './mcda/analyse';
import { applyConstraints, type ConstraintOutcome } from './mcda/constraints';
import { buildPlan } from './plan';
import { quorumNotApplied } from './quorum';
import type { BiasReport, DecisionResult } from './result';
import type { DecisionRequest } from './types';
import { validateRequest, type Problem } from './validate';
import { decideByVote, type VoteVerdict } from './vote';

export { PER_FINDING_LIMIT } from './vote';

export interface DecideOptions {
  /** The clock reading the plan is dated from. */
  now: Date | string | number;
  /** Detect and correct biases in the ballots (default true). */
  biasCorrection?: boolean;
}

const NO_BIASES: BiasReport = {
  corrected: false,
  findings: [],
  uncorrectedWinner: null,
  changedOutcome: false,
  basis: 'finding',
};

function noFeasibleAlternative(problem: Problem, constraints: ConstraintOutcome): DecisionResult {
  return {
    outcome: 'no_feasible_alternative',
    decidedBy: problem.ballots.length > 0 ? 'vote' : 'analysis',
    winningAlternative: null,
    ranking: [],
    confidence: 0,
    confidenceBreakdown: { margin: 0, agreement: 0, evidence: 0, robustness: 0 },
    votingSystem: problem.request.votingSystem,
    tally: null,
    quorum: quorumNotApplied(problem.stakeholders),
    biases: NO_BIASES,
    sensitivity: {
      method: problem.method === 'topsis' ? 'grid_bisection' : 'closed_form',
      leader: null,
      smallestChange: null,
      perCriterion: [],
    },
    plan: null,
    excluded: constraints.excluded,
    analysis: {
      method: problem.method,
      weights: Object.fromEntries(problem.criteria.map((c) => [c.name, c.weight])),
      directions: Object.fromEntries(problem.criteria.map((c) => [c.name, c.direction])),
      scores: [],
      imputed: [],
      softViolations: constraints.softViolations,
    },
  };
}

export function makeDecision(request: DecisionRequest, options: DecideOptions): DecisionResult {
  const now = new Date(options?.now ?? Number.NaN).getTime();
  if (Number.isNaN(now))
    throw new DecisionValidationError([{ path: 'now', message: 'must be a readable clock reading' }]);
  const problem = validateRequest(request);
  const constraints = applyConstraints(problem.alternatives, problem.constraints);
  const feasible = constraints.feasible;
  if (feasible.length === 0) return noFeasibleAlternative(problem, constraints);

  const analysis = analyse({
    alternatives: feasible,
    criteria: problem.criteria,
    method: problem.method,
    pairwise: problem.pairwise,
  });
  analysis.report.softViolations = constraints.softViolations;
  const ids = analysis.matrix.alternativeIds;
  const position = new Map(ids.map((id, i) => [id, i]));
  // The analysis ranking is every voting system's tie-break order.
  const tieRank = new Int32Array(ids.length);
  analysis.report.scores.forEach((s, r) => (tieRank[position.get(s.alternativeId) as number] = r));

  const byVote = problem.ballots.length > 0;
  let verdict: Omit<VoteVerdict, 'tally'> & { tally: VoteVerdict['tally'] | null };
  if (byVote) {
    verdict = decideByVote(problem, feasible, ids, tieRank, options.biasCorrection !== false);
  } else {
    const [first, second] = analysis.report.scores;
    verdict = {
      winner: position.get(first.alternativeId) as number,
      ranking: analysis.report.scores,
      tally: null,
      quorum: quorumNotApplied(problem.stakeholders),
      biases: NO_BIASES,
      margin: second ? relativeMargin(first.score, second.score) : 1,
      agreement: criteriaAgreement(problem.criteria),
    };
  }

  const { winner } = verdict;
  const evidence = winner === null ? 0 : evidenceOf(analysis.matrix.confidences[winner], analysis.weights);
  const leads = winner !== null && analysis.sensitivity.leader === ids[winner];
  const robustness = robustnessOf(leads, analysis.sensitivity.smallestChange?.delta ?? null);
  const confidenceBreakdown = { margin: verdict.margin, agreement: verdict.agreement, evidence, robustness };
  const winningAlternative = winner === null ? null : feasible[winner];
  const reversibility = problem.request.metadata?.reversibility;
  return {
    outcome: winner === null ? 'no_majority' : 'decided',
    decidedBy: byVote ? 'vote' : 'analysis',
    winningAlternative,
    ranking: verdict.ranking,
    confidence: winner === null ? 0 : confidenceFrom(confidenceBreakdown),
    confidenceBreakdown,
    votingSystem: problem.request.votingSystem,
    tally: verdict.tally,
    quorum: verdict.quorum,
    biases: verdict.biases,
    sensitivity: analysis.sensitivity,
    plan: winningAlternative
      ? buildPlan(winningAlternative, now, typeof reversibility === 'number' ? reversibility : undefined)
      : null,
    excluded: constraints.excluded,
    analysis: analysis.report,
  };
}
