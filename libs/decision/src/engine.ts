// makeDecision: validation, constraints, analysis, then the vote (or the analysis alone), confidence and plan.
import { confidenceFrom, criteriaAgreement, evidenceOf, relativeMargin, robustnessOf } from './confidence';
import { DecisionValidationError } from './errors';
import { readCriterion } from './criteria';
import { analyse, type AnalysisOutcome } from './mcda/analyse';
import { applyConstraints, type ConstraintOutcome } from './mcda/constraints';
import { buildPlan } from './plan';
import { quorumNotApplied } from './quorum';
import type { BiasReport, DecisionResult } from './result';
import type { BiasCorrectionMode, DecisionAlternative, DecisionRequest, DecisionRequestInput } from './types';
import { validateRequest, type Problem } from './validate';
import { decideByVote, type VoteVerdict } from './vote';

export { PER_FINDING_LIMIT } from './vote';

export interface DecideOptions {
  /** The clock reading the plan is dated from. */
  now: Date | string | number;
  /**
   * Bias handling when the request does not set `biasCorrection` (default 'auto'); true means 'auto' and
   * false 'off'. The request's own field wins.
   */
  biasCorrection?: boolean | BiasCorrectionMode;
}

function noBiases(mode: BiasCorrectionMode, explanation: string): BiasReport {
  return {
    mode,
    corrected: false,
    findings: [],
    adjustments: [],
    weightMoved: 0,
    shareMoved: 0,
    uncorrectedWinner: null,
    correctedWinner: null,
    changedOutcome: false,
    explanation,
    basis: 'finding',
  };
}

function modeOf(request: DecisionRequest, option: DecideOptions['biasCorrection']): BiasCorrectionMode {
  if (request.biasCorrection !== undefined) return request.biasCorrection;
  if (option === false) return 'off';
  if (option === undefined || option === true) return 'auto';
  return option;
}

const hasValue = (alternatives: DecisionAlternative[], criterion: string) =>
  alternatives.some((a) => readCriterion(a, criterion) !== undefined);

/**
 * The criteria the analysis runs over. When ballots decide and no method was asked for, criteria that no
 * feasible alternative has a value for are left out (and reported) and the rest re-normalised; otherwise all.
 */
function analysedCriteria(problem: Problem, feasible: DecisionAlternative[]) {
  if (problem.ballots.length === 0 || problem.methodRequested)
    return { criteria: problem.criteria, unmeasured: [] as string[] };
  const measured = problem.criteria.filter((c) => hasValue(feasible, c.name));
  const unmeasured = problem.criteria.filter((c) => !measured.includes(c)).map((c) => c.name);
  const total = measured.reduce((sum, c) => sum + c.weight, 0);
  if (total <= 0) return { criteria: [], unmeasured }; // measured criteria that all weigh 0: nothing to analyse
  return { criteria: measured.map((c) => ({ ...c, weight: c.weight / total })), unmeasured };
}

/** A vote with nothing measured: no analysis; the tie-break order is the alternatives' id order. */
function noAnalysis(problem: Problem, feasible: DecisionAlternative[]): AnalysisOutcome {
  const ids = feasible.map((a) => a.id);
  return {
    report: {
      method: problem.method,
      weights: {},
      directions: {},
      scores: ids.map((alternativeId) => ({ alternativeId, score: 0 })),
      imputed: [],
      softViolations: [],
    },
    matrix: {
      alternativeIds: ids,
      criteria: [],
      directions: [],
      values: ids.map(() => []),
      confidences: ids.map(() => []),
      imputed: [],
    },
    scores: ids.map(() => 0),
    weights: [],
    sensitivity: { method: 'closed_form', leader: null, smallestChange: null, perCriterion: [] },
  };
}

function noFeasibleAlternative(
  problem: Problem,
  constraints: ConstraintOutcome,
  mode: BiasCorrectionMode,
): DecisionResult {
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
    biases: noBiases(mode, 'no feasible alternative; nothing was counted'),
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

export function makeDecision(request: DecisionRequestInput, options: DecideOptions): DecisionResult {
  const now = new Date(options?.now ?? Number.NaN).getTime();
  if (Number.isNaN(now))
    throw new DecisionValidationError([{ path: 'now', message: 'must be a readable clock reading' }]);
  const problem = validateRequest(request);
  const constraints = applyConstraints(problem.alternatives, problem.constraints);
  const feasible = constraints.feasible;
  const mode = modeOf(problem.request, options.biasCorrection);
  if (feasible.length === 0) return noFeasibleAlternative(problem, constraints, mode);

  const { criteria, unmeasured } = analysedCriteria(problem, feasible);
  const measured = criteria.length > 0;
  const analysis = measured
    ? analyse({ alternatives: feasible, criteria, method: problem.method, pairwise: problem.pairwise })
    : noAnalysis(problem, feasible);
  analysis.report.softViolations = constraints.softViolations;
  if (unmeasured.length > 0) analysis.report.unmeasured = unmeasured;
  const ids = analysis.matrix.alternativeIds;
  const position = new Map(ids.map((id, i) => [id, i]));
  // The analysis ranking is every voting system's tie-break order.
  const tieRank = new Int32Array(ids.length);
  analysis.report.scores.forEach((s, r) => (tieRank[position.get(s.alternativeId) as number] = r));

  const byVote = problem.ballots.length > 0;
  let verdict: Omit<VoteVerdict, 'tally'> & { tally: VoteVerdict['tally'] | null };
  if (byVote) {
    verdict = decideByVote(problem, feasible, ids, tieRank, mode);
  } else {
    const [first, second] = analysis.report.scores;
    verdict = {
      winner: position.get(first.alternativeId) as number,
      ranking: analysis.report.scores,
      tally: null,
      quorum: quorumNotApplied(problem.stakeholders),
      biases: noBiases(mode, 'no ballots; the analysis decides'),
      margin: second ? relativeMargin(first.score, second.score) : 1,
      agreement: criteriaAgreement(criteria),
    };
  }

  const { winner } = verdict;
  // Nothing measured: the ballots are the only evidence, and no criterion weight can move the outcome.
  const evidence =
    winner === null ? 0 : measured ? evidenceOf(analysis.matrix.confidences[winner], analysis.weights) : 1;
  const leads = winner !== null && (!measured || analysis.sensitivity.leader === ids[winner]);
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
