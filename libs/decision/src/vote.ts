// The vote path of makeDecision: quorum, ballots, weights, bias correction, count and its judgement.
import { correctionFactors, detectBiases, type RawFinding } from './bias';
import { kendallW } from './confidence';
import { QuorumNotMetError } from './errors';
import { checkQuorum } from './quorum';
import type { BiasFinding, BiasReport, BiasRule, QuorumReport, RankedAlternative, Tally } from './result';
import type { BiasCorrectionMode, DecisionAlternative, Stakeholder, VotingSystem } from './types';
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
  if ((system === 'ranked_choice' || system === 'two_round') && result.rounds) {
    const last = result.rounds[result.rounds.length - 1];
    const active = totalWeight - last.exhausted;
    return active > 0 ? clamp01((last.counts[w] - last.counts[result.order[1]]) / active) : 0;
  }
  const gap = result.counts[result.order[0]] - result.counts[result.order[1]];
  return clamp01(system === 'borda' ? gap / (totalWeight * (m - 1)) : gap / totalWeight);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface Judgement {
  uncorrected: number | null;
  basis: 'finding' | 'rule';
  changed: boolean[];
}

/**
 * An applied finding changed the outcome when applying its correction alone changes the uncorrected winner, or
 * when undoing it while keeping the other applied corrections changes the corrected winner. A finding only
 * reported changed nothing, but it is said whether applying it on top would. Beyond PER_FINDING_LIMIT findings
 * the same test runs per rule and every finding of a rule shares the answer.
 */
function judgeBiases(
  findings: RawFinding[],
  applied: boolean[],
  run: (factors: number[]) => number | null,
  ballots: number,
  winner: number | null,
): Judgement {
  const used = findings.filter((_, k) => applied[k]);
  const position = new Map(findings.map((f, k) => [f, k]));
  // Winners by the set of findings applied; the full applied set is the count already made.
  const known = new Map<string, number | null>();
  const keyOf = (group: RawFinding[]) =>
    group
      .map((f) => position.get(f) as number)
      .sort((a, b) => a - b)
      .join(',');
  const winnerWith = (group: RawFinding[]) => {
    const key = keyOf(group);
    if (!known.has(key)) known.set(key, run(correctionFactors(group, ballots)));
    return known.get(key) as number | null;
  };
  known.set(keyOf(used), winner);
  const uncorrected = winnerWith([]);
  const basis = findings.length <= PER_FINDING_LIMIT ? 'finding' : 'rule';
  const pivotal = (group: RawFinding[], isApplied: boolean) =>
    isApplied
      ? winnerWith(group) !== uncorrected || winnerWith(used.filter((g) => !group.includes(g))) !== winner
      : winnerWith([...used, ...group]) !== winner;
  const byRule = new Map<string, boolean>();
  const changed = findings.map((f, k) => {
    if (basis === 'finding') return pivotal([f], applied[k]);
    const key = `${f.rule}:${applied[k]}`;
    if (!byRule.has(key))
      byRule.set(
        key,
        pivotal(
          findings.filter((g, j) => g.rule === f.rule && applied[j] === applied[k]),
          applied[k],
        ),
      );
    return byRule.get(key) as boolean;
  });
  return { uncorrected, basis, changed };
}

/** Which findings change weights in each mode: `auto` evidence about the voter only, `all` every finding. */
export const appliesIn = (mode: BiasCorrectionMode, finding: RawFinding) =>
  mode === 'all' || (mode === 'auto' && finding.kind === 'evidence');

function explain(
  mode: BiasCorrectionMode,
  findings: BiasFinding[],
  moved: number,
  total: number,
  before: string | null,
  after: string | null,
): string {
  if (mode === 'off') return "bias detection is off; the count is the voting rule's own";
  if (findings.length === 0) return "no bias found; the count is the voting rule's own";
  const applied = findings.filter((f) => f.applied);
  const reported = findings.length - applied.length;
  const untouched =
    reported > 0
      ? `${reported} finding(s) reported without changing weights (${mode === 'report' ? "mode 'report'" : "statistical findings change weights only with biasCorrection 'all'"})`
      : '';
  if (applied.length === 0) return `${untouched}; the count is the voting rule's own`;
  const share = total > 0 ? ` (${((100 * moved) / total).toFixed(1)}% of ${round3(total)})` : '';
  const head = `${applied.length} correction(s) moved ${round3(moved)} weight${share}`;
  const tail = untouched ? `; ${untouched}` : '';
  if (before === after) return `${head}; the winner stays ${after ?? 'none'}${tail}`;
  const pivotal = applied
    .filter((f) => f.changedOutcome)
    .map(
      (f) =>
        `${f.rule} of ${f.stakeholderIds.slice(0, 3).join(', ')}${f.stakeholderIds.length > 3 ? ', ...' : ''} (x${round3(f.factor)})`,
    );
  const why = pivotal.length > 0 ? ` because of ${pivotal.join('; ')}` : '';
  return `${head} and changed the winner from ${before ?? 'none'} to ${after ?? 'none'}${why}${tail}`;
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
  mode: BiasCorrectionMode,
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
  const findings = mode === 'off' ? [] : detectBiases(prefs, voters, feasible, tieRank);
  const applied = findings.map((f) => appliesIn(mode, f));
  const weightsWith = (factors: number[]) => base.map((w, b) => w * factors[b]);
  const factors = correctionFactors(
    findings.filter((_, k) => applied[k]),
    prefs.length,
  );
  const weights = weightsWith(factors);
  const varies = new Uint8Array(prefs.length);
  for (const f of findings) for (const b of f.ballots) varies[b] = 1;
  const recount = prepareCount(system, prefs, tieRank, base, varies);
  const result = recount.count(weights);
  const judged = judgeBiases(
    findings,
    applied,
    (f) => recount.winner(weightsWith(f)),
    prefs.length,
    result.winner,
  );
  const counted = (b: number) => !prefs[b].empty;
  // Built field by field: object rest and spread over ~200 findings cost more than the count itself.
  const reported: BiasFinding[] = findings.map((f, k) => {
    let before = 0;
    for (const b of f.ballots) if (counted(b)) before += base[b];
    const finding: BiasFinding = {
      rule: f.rule,
      kind: f.kind,
      stakeholderIds: f.stakeholderIds,
      factor: f.factor,
      applied: applied[k],
      weightBefore: before,
      weightAfter: applied[k] ? before * f.factor : before,
      evidence: f.evidence,
      changedOutcome: judged.changed[k],
    };
    if (f.alternativeId !== undefined) finding.alternativeId = f.alternativeId;
    return finding;
  });
  const rulesOf = new Map<number, BiasRule[]>();
  findings.forEach((f, k) => {
    if (!applied[k]) return;
    for (const b of f.ballots) {
      const rules = rulesOf.get(b);
      if (rules) rules.push(f.rule);
      else rulesOf.set(b, [f.rule]);
    }
  });
  const adjusted = [...rulesOf.keys()].sort((x, y) => x - y).filter((b) => factors[b] !== 1);
  const adjustments = adjusted.map((b) => ({
    stakeholderId: voters[b].id,
    from: base[b],
    to: weights[b],
    factor: factors[b],
    rules: rulesOf.get(b) as BiasRule[],
  }));
  const totalBefore = base.reduce((s, w, b) => s + (counted(b) ? w : 0), 0);
  const moved = adjusted.reduce((s, b) => s + (counted(b) ? base[b] - weights[b] : 0), 0);
  const name = (i: number | null) => (i === null ? null : ids[i]);
  const tally = toTally(system, result, ids, prefs, weights);
  return {
    winner: result.winner,
    ranking: result.order.map((i) => ({ alternativeId: ids[i], score: result.counts[i] })),
    tally,
    quorum,
    biases: {
      mode,
      corrected: adjustments.length > 0,
      findings: reported,
      adjustments,
      weightMoved: moved,
      shareMoved: totalBefore > 0 ? moved / totalBefore : 0,
      uncorrectedWinner: name(judged.uncorrected),
      correctedWinner: name(result.winner),
      changedOutcome: judged.uncorrected !== result.winner,
      explanation: explain(mode, reported, moved, totalBefore, name(judged.uncorrected), name(result.winner)),
      basis: judged.basis,
    },
    margin: voteMargin(system, result, tally.totalWeight, m),
    agreement: kendallW(prefs, weights, m),
  };
}
