// makeDecision: validation, constraints, analysis, quorum, bias correction, vote, confidence and plan.
import { correctionFactors, detectBiases, type RawFinding } from './bias';
import {
  confidenceFrom,
  criteriaAgreement,
  evidenceOf,
  kendallW,
  relativeMargin,
  robustnessOf,
} from './confidence';
import { QuorumNotMetError } from './errors';
import { analyse } from './mcda/analyse';
import { applyConstraints } from './mcda/constraints';
import { buildPlan } from './plan';
import { checkQuorum, quorumNotApplied } from './quorum';
import type { BiasReport, DecisionResult, RankedAlternative, Tally } from './result';
import type { DecisionRequest, Stakeholder, VotingSystem } from './types';
import { validateRequest } from './validate';
import type { Count } from './voting/count';
import { toPreference, type Preference } from './voting/preferences';
import { prepareCount, toTally } from './voting/tally';
import { ballotWeights, decisionDomains } from './voting/weights';

export interface DecideOptions {
  /** The clock reading the plan is dated from. */
  now: Date | string | number;
  /** Detect and correct biases in the ballots (default true). */
  biasCorrection?: boolean;
}

/** Up to this many findings each is judged on its own; beyond, rule by rule. */
export const PER_FINDING_LIMIT = 16;
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

function voteMargin(system: VotingSystem, result: Count, totalWeight: number, m: number): number {
  if (result.winner === null) return 0;
  if (m < 2) return 1;
  if (totalWeight <= 0) return 0;
  const w = result.winner;
  if (system === 'condorcet' && result.pairwise) {
    let weakest = Infinity;
    for (let y = 0; y < m; y++)
      if (y !== w) weakest = Math.min(weakest, result.pairwise[w * m + y] - result.pairwise[y * m + w]);
    return clamp01(weakest / totalWeight);
  }
  if (system === 'ranked_choice' && result.rounds) {
    const last = result.rounds[result.rounds.length - 1];
    const active = totalWeight - last.exhausted;
    return active > 0 ? clamp01((last.counts[w] - last.counts[result.order[1]]) / active) : 0;
  }
  const gap = result.counts[result.order[0]] - result.counts[result.order[1]];
  return clamp01(system === 'borda' ? gap / (totalWeight * (m - 1)) : gap / totalWeight);
}

/**
 * A finding changed the outcome when applying its correction alone changes the uncorrected winner, or when
 * undoing it while keeping all other corrections changes the corrected winner. Beyond PER_FINDING_LIMIT
 * findings the same test runs per rule and every finding of a rule shares the answer.
 */
function judgeBiases(
  findings: RawFinding[],
  run: (factors: number[]) => number | null,
  ballots: number,
  winner: number | null,
): BiasReport & { uncorrected: number | null } {
  const uncorrected = findings.length > 0 ? run(correctionFactors([], ballots)) : winner;
  const basis = findings.length <= PER_FINDING_LIMIT ? 'finding' : 'rule';
  const pivotal = (group: RawFinding[]) =>
    run(correctionFactors(group, ballots)) !== uncorrected ||
    run(
      correctionFactors(
        findings.filter((g) => !group.includes(g)),
        ballots,
      ),
    ) !== winner;
  const byRule = new Map<string, boolean>();
  const changed = (f: RawFinding) => {
    if (basis === 'finding') return pivotal([f]);
    if (!byRule.has(f.rule)) byRule.set(f.rule, pivotal(findings.filter((g) => g.rule === f.rule)));
    return byRule.get(f.rule) as boolean;
  };
  const reported = findings.map((f) => {
    const { ballots: _ballots, ...rest } = f;
    return { ...rest, changedOutcome: changed(f) };
  });
  return {
    corrected: findings.length > 0,
    findings: reported,
    uncorrectedWinner: null,
    changedOutcome: uncorrected !== winner,
    basis,
    uncorrected,
  };
}

export function makeDecision(request: DecisionRequest, options: DecideOptions): DecisionResult {
  const now = new Date(options.now).getTime();
  const problem = validateRequest(request);
  const { feasible, excluded, softViolations } = applyConstraints(problem.alternatives, problem.constraints);
  const noBiases: BiasReport = {
    corrected: false,
    findings: [],
    uncorrectedWinner: null,
    changedOutcome: false,
    basis: 'finding',
  };
  if (feasible.length === 0) {
    const weights = Object.fromEntries(problem.criteria.map((c) => [c.name, c.weight]));
    const directions = Object.fromEntries(problem.criteria.map((c) => [c.name, c.direction]));
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
      biases: noBiases,
      sensitivity: {
        method: problem.method === 'topsis' ? 'grid_bisection' : 'closed_form',
        leader: null,
        smallestChange: null,
        perCriterion: [],
      },
      plan: null,
      excluded,
      analysis: { method: problem.method, weights, directions, scores: [], imputed: [], softViolations },
    };
  }

  const analysis = analyse({
    alternatives: feasible,
    criteria: problem.criteria,
    method: problem.method,
    pairwise: problem.pairwise,
  });
  analysis.report.softViolations = softViolations;
  const ids = analysis.matrix.alternativeIds;
  const m = ids.length;
  const index = new Map(ids.map((id, i) => [id, i]));
  const tieRank = new Int32Array(m);
  analysis.report.scores.forEach((s, r) => (tieRank[index.get(s.alternativeId) as number] = r));
  const system = problem.request.votingSystem;

  let winner: number | null;
  let ranking: RankedAlternative[];
  let tally: Tally | null = null;
  let quorum = quorumNotApplied(problem.stakeholders);
  let biases = noBiases;
  let margin: number;
  let agreement: number;

  if (problem.ballots.length === 0) {
    winner = index.get(analysis.report.scores[0].alternativeId) as number;
    ranking = analysis.report.scores;
    const [first, second] = analysis.report.scores;
    margin = second ? relativeMargin(first.score, second.score) : 1;
    agreement = criteriaAgreement(problem.criteria);
  } else {
    const voters: Stakeholder[] = problem.ballots.map(
      (b) => problem.stakeholderById.get(b.stakeholderId) as Stakeholder,
    );
    const domains = decisionDomains(problem.request);
    quorum = checkQuorum(problem.request.quorum, problem.stakeholders, voters, domains);
    if (!quorum.met) throw new QuorumNotMetError(quorum.missing);
    const prefs: Preference[] = problem.ballots.map((b) => toPreference(b, index));
    const base = ballotWeights(system, voters, domains);
    const findings = options.biasCorrection === false ? [] : detectBiases(prefs, voters, feasible, tieRank);
    const weightsWith = (factors: number[]) => base.map((w, b) => w * factors[b]);
    const weights = weightsWith(correctionFactors(findings, prefs.length));
    const varies = new Uint8Array(prefs.length);
    for (const f of findings) for (const b of f.ballots) varies[b] = 1;
    const recount = prepareCount(system, prefs, tieRank, base, varies);
    const result = recount(weights);
    winner = result.winner;
    const judged = judgeBiases(
      findings,
      (factors) => recount(weightsWith(factors)).winner,
      prefs.length,
      winner,
    );
    const { uncorrected, ...report } = judged;
    biases = { ...report, uncorrectedWinner: uncorrected === null ? null : ids[uncorrected] };
    tally = toTally(system, result, ids, prefs, weights);
    ranking = result.order.map((i) => ({ alternativeId: ids[i], score: result.counts[i] }));
    margin = voteMargin(system, result, tally.totalWeight, m);
    agreement = kendallW(prefs, weights, m);
  }

  const evidence = winner === null ? 0 : evidenceOf(analysis.matrix.confidences[winner], analysis.weights);
  const leads = winner !== null && analysis.sensitivity.leader === ids[winner];
  const robustness = robustnessOf(leads, analysis.sensitivity.smallestChange?.delta ?? null);
  const confidenceBreakdown = { margin, agreement, evidence, robustness };
  const winningAlternative = winner === null ? null : feasible[winner];
  const metadataReversibility = problem.request.metadata?.reversibility;
  return {
    outcome: winner === null ? 'no_majority' : 'decided',
    decidedBy: problem.ballots.length > 0 ? 'vote' : 'analysis',
    winningAlternative,
    ranking,
    confidence: winner === null ? 0 : confidenceFrom(confidenceBreakdown),
    confidenceBreakdown,
    votingSystem: system,
    tally,
    quorum,
    biases,
    sensitivity: analysis.sensitivity,
    plan: winningAlternative
      ? buildPlan(
          winningAlternative,
          now,
          typeof metadataReversibility === 'number' ? metadataReversibility : undefined,
        )
      : null,
    excluded,
    analysis: analysis.report,
  };
}
