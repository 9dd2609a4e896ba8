// Bias detection over declared bias factors and the ballots themselves; each finding carries the weight
// multiplier that corrects it.
import type { BiasFinding } from './result';
import type { DecisionAlternative, Stakeholder } from './types';
import { bordaPoints, tierSize, type Preference } from './voting/preferences';

export type RawFinding = Omit<BiasFinding, 'changedOutcome'> & { ballots: number[] };

export const DECLARED_FLOOR = 0.2;
export const SELF_FAVOUR_FACTOR = 0.5;
export const OUTLIER_FACTOR = 0.5;
export const HERDING_JUMP = 0.2;
const MIN_FACTOR = 0.1;

/** Declared bias: the strongest declared factor b >= 0.2 scales the ballot by 1 - b/2. */
function declared(voters: Stakeholder[]): RawFinding[] {
  const findings: RawFinding[] = [];
  voters.forEach((s, b) => {
    const bias = s.biasFactors;
    const levels: Array<[string, number]> = [];
    for (const kind of ['cognitive', 'personal', 'organizational'] as const) {
      for (const [name, level] of Object.entries(bias?.[kind] ?? {})) levels.push([`${kind}.${name}`, level]);
    }
    if (bias?.temporal !== undefined) levels.push(['temporal', bias.temporal]);
    const strongest = levels.reduce<[string, number] | undefined>(
      (best, l) => (!best || l[1] > best[1] ? l : best),
      undefined,
    );
    if (!strongest || strongest[1] < DECLARED_FLOOR) return;
    findings.push({
      rule: 'declared',
      stakeholderIds: [s.id],
      factor: 1 - strongest[1] / 2,
      evidence: `declared ${strongest[0]} bias ${strongest[1]}`,
      ballots: [b],
    });
  });
  return findings;
}

/** Normalised Borda score (1 = sole first, 0 = sole last) of every alternative on every non-empty ballot. */
function normalisedScores(prefs: Preference[], m: number): Array<Float64Array | null> {
  const all = new Float64Array(m >= 2 ? prefs.length * m : 0); // one allocation, a view per ballot
  return prefs.map((p, b) => {
    if (p.empty || m < 2) return null;
    const row = all.subarray(b * m, (b + 1) * m);
    for (let i = 0; i < m; i++) row[i] = bordaPoints(p, i) / (m - 1);
    return row;
  });
}

const teamsOf = (s: Stakeholder) => new Set([s.id, ...(s.role ? [s.role] : []), ...(s.interests ?? [])]);

/**
 * Self-favouring: the ballot's sole first choice was proposed by the voter's own team (proposedBy equal to the
 * voter's id, role or one of their interests) while the voters outside that team place it, on average, in the
 * bottom half (mean normalised Borda score below 0.5, from at least two of them). Factor 0.5.
 */
function selfFavouring(
  prefs: Preference[],
  voters: Stakeholder[],
  alternatives: DecisionAlternative[],
  scores: Array<Float64Array | null>,
): RawFinding[] {
  const teams = voters.map(teamsOf);
  const findings: RawFinding[] = [];
  // The outsiders' view depends only on the alternative, so it is computed once per alternative.
  const outsiders = new Map<number, { mean: number; n: number }>();
  const outsiderView = (a: number, team: string) => {
    let view = outsiders.get(a);
    if (!view) {
      let sum = 0;
      let n = 0;
      scores.forEach((row, o) => {
        if (row && !teams[o].has(team)) {
          sum += row[a];
          n++;
        }
      });
      view = { mean: n > 0 ? sum / n : 1, n };
      outsiders.set(a, view);
    }
    return view;
  };
  prefs.forEach((p, b) => {
    if (p.empty || tierSize(p, 0) !== 1) return;
    const a = p.order[0];
    const team = alternatives[a].proposedBy;
    if (team === undefined || !teams[b].has(team)) return;
    const { mean, n } = outsiderView(a, team);
    if (n < 2 || mean >= 0.5) return;
    findings.push({
      rule: 'self_favouring',
      stakeholderIds: [voters[b].id],
      alternativeId: alternatives[a].id,
      factor: SELF_FAVOUR_FACTOR,
      evidence: `ranks '${alternatives[a].id}' (proposed by ${team}, their team) first; the ${n} voters outside it give it a mean score of ${mean.toFixed(2)}`,
      ballots: [b],
    });
  });
  return findings;
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) [mx, my] = [mx + x[i] / n, my + y[i] / n];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 1e-12 && syy > 1e-12 ? sxy / Math.sqrt(sxx * syy) : null;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Outlier: with at least 5 ballots and 3 alternatives, a ballot whose rank correlation with the mean of the
 * other ballots is negative and more than 3 robust deviations (1.4826 x MAD, at least 0.05) below the median
 * correlation. Factor 0.5.
 */
function outliers(voters: Stakeholder[], scores: Array<Float64Array | null>, m: number): RawFinding[] {
  const rows = scores
    .map((row, b) => ({ row, b }))
    .filter((r): r is { row: Float64Array; b: number } => r.row !== null);
  if (rows.length < 5 || m < 3) return [];
  const total = new Float64Array(m);
  for (const { row } of rows) for (let i = 0; i < m; i++) total[i] += row[i];
  const others = new Float64Array(m);
  const rhos: Array<{ b: number; rho: number }> = [];
  for (const { row, b } of rows) {
    for (let i = 0; i < m; i++) others[i] = (total[i] - row[i]) / (rows.length - 1);
    const rho = correlation(row, others);
    if (rho !== null) rhos.push({ b, rho });
  }
  if (rhos.length < 5) return [];
  const mid = median(rhos.map((r) => r.rho));
  const spread = 1.4826 * Math.max(median(rhos.map((r) => Math.abs(r.rho - mid))), 0.05);
  return rhos
    .filter(({ rho }) => rho < 0 && rho < mid - 3 * spread)
    .map(({ b, rho }) => ({
      rule: 'outlier' as const,
      stakeholderIds: [voters[b].id],
      factor: OUTLIER_FACTOR,
      evidence: `rank correlation with the other ballots ${rho.toFixed(2)} against a median of ${mid.toFixed(2)}`,
      ballots: [b],
    }));
}

/**
 * Herding: with at least 6 dated ballots, split by castAt into an early and a late half. If the early leader's
 * first-choice share jumps by 0.2 or more among late ballots to over half, late ballots for it are scaled by
 * f = pe(1-pl) / (pl(1-pe)) (within [0.25, 1]), which brings its late share back to its early share pe.
 */
function herding(
  prefs: Preference[],
  voters: Stakeholder[],
  alternatives: DecisionAlternative[],
  tieRank: ArrayLike<number>,
): RawFinding[] {
  const dated = prefs
    .map((p, b) => ({ p, b }))
    .filter(({ p }) => !p.empty && p.castAt !== undefined && !Number.isNaN(p.castAt));
  if (dated.length < 6) return [];
  dated.sort(
    (x, y) =>
      (x.p.castAt as number) - (y.p.castAt as number) || (x.p.stakeholderId < y.p.stakeholderId ? -1 : 1),
  );
  const half = Math.floor(dated.length / 2);
  const share = (group: typeof dated, a: number) =>
    group.reduce((s, { p }) => s + (p.tierOf[a] === 0 ? 1 / tierSize(p, 0) : 0), 0) / group.length;
  const early = dated.slice(0, half);
  const late = dated.slice(half);
  let leader = 0;
  for (let a = 1; a < alternatives.length; a++) {
    const diff = share(early, a) - share(early, leader);
    if (diff > 1e-12 || (Math.abs(diff) <= 1e-12 && tieRank[a] < tieRank[leader])) leader = a;
  }
  const pe = share(early, leader);
  const pl = share(late, leader);
  if (pl - pe < HERDING_JUMP || pl <= 0.5) return [];
  const raw = pl >= 1 || pe <= 0 ? 0 : (pe * (1 - pl)) / (pl * (1 - pe));
  const factor = Math.min(1, Math.max(0.25, raw));
  const followers = late.filter(({ p }) => p.tierOf[leader] === 0).map(({ b }) => b);
  return [
    {
      rule: 'herding',
      stakeholderIds: followers.map((b) => voters[b].id),
      alternativeId: alternatives[leader].id,
      factor,
      evidence: `'${alternatives[leader].id}' holds ${(pe * 100).toFixed(0)}% of early first choices but ${(pl * 100).toFixed(0)}% of late ones`,
      ballots: followers,
    },
  ];
}

export function detectBiases(
  prefs: Preference[],
  voters: Stakeholder[],
  alternatives: DecisionAlternative[],
  tieRank: ArrayLike<number>,
): RawFinding[] {
  const scores = normalisedScores(prefs, alternatives.length);
  return [
    ...declared(voters),
    ...selfFavouring(prefs, voters, alternatives, scores),
    ...outliers(voters, scores, alternatives.length),
    ...herding(prefs, voters, alternatives, tieRank),
  ];
}

/** Per-ballot multipliers from a set of findings (product of factors, never below 0.1). */
export function correctionFactors(findings: RawFinding[], ballots: number): number[] {
  const factors = new Array<number>(ballots).fill(1);
  for (const f of findings) for (const b of f.ballots) factors[b] *= f.factor;
  return factors.map((f) => Math.max(MIN_FACTOR, f));
}
