// The vote path of makeDecision: quorum, ballots, weights, bias correction, count and its judgement.
import { correctionFactors, detectBiases, type RawFinding } from './bias';
import { kendallW } from './confidence';
import { QuorumNotMetError } from './errors';
import { checkQuorum } from './quorum';
import type { BiasReport, QuorumReport, RankedAlternative, Tally } from './result';
import type { DecisionAlternative, Stakeholder, VotingSystem } from './types';
import type { Problem } from './validate';
import type { Count } from './voting/count';
import { toPreference } from './voting/preferences';
import { prepareCount, toTally } from './voting/tally';
import { ballotWeights, decisionDomains } from './voting/weights';

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

export interface VoteVerdict {
  winner: number | null;
  ranking: RankedAlternative[];
  tally: Tally;
  quorum: QuorumReport;
  biases: BiasReport;
  margin: number;
  agreement: number;
}

/** Counts the ballots over the feasible alternatives (indexed as `ids`); throws QuorumNotMetError. */
export function decideByVote(
  problem: Problem,
  feasible: DecisionAlternative[],
  ids: string[],
  tieRank: Int32Array,
  biasCorrection: boolean,
): VoteVerdict {
  const system = problem.request.votingSystem;
  const m = ids.length;
  const index = new Map(ids.map((id, i) => [id, i]));
  const voters = problem.ballots.map((b) => problem.stakeholderById.get(b.stakeholderId) as Stakeholder);
  const domains = decisionDomains(problem.request);
  const quorum = checkQuorum(problem.request.quorum, problem.stakeholders, voters, domains);
  if (!quorum.met) throw new QuorumNotMetError(quorum.missing);
  const prefs = problem.ballots.map((b) => toPreference(b, index));
  const base = ballotWeights(system, voters, domains);
  const findings = biasCorrection ? detectBiases(prefs, voters, feasible, tieRank) : [];
  const weightsWith = (factors: number[]) => base.map((w, b) => w * factors[b]);
  const weights = weightsWith(correctionFactors(findings, prefs.length));
  const varies = new Uint8Array(prefs.length);
  for (const f of findings) for (const b of f.ballots) varies[b] = 1;
  const recount = prepareCount(system, prefs, tieRank, base, varies);
  const result = recount.count(weights);
  const { uncorrected, ...report } = judgeBiases(
    findings,
    (factors) => recount.winner(weightsWith(factors)),
    prefs.length,
    result.winner,
  );
  const tally = toTally(system, result, ids, prefs, weights);
  return {
    winner: result.winner,
    ranking: result.order.map((i) => ({ alternativeId: ids[i], score: result.counts[i] })),
    tally,
    quorum,
    biases: { ...report, uncorrectedWinner: uncorrected === null ? null : ids[uncorrected] },
    margin: voteMargin(system, result, tally.totalWeight, m),
    agreement: kendallW(prefs, weights, m),
  };
}
