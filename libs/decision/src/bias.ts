// Bias detection over declared bias factors and the ballots themselves. Each finding carries the weight
// multiplier that would correct it and whether it rests on evidence about the voter or on statistics alone.
import type { BiasFinding } from './result';
import type { DecisionAlternative, Stakeholder } from './types';
import { bordaPoints, tierSize, type Preference } from './voting/preferences';

export type RawFinding = Omit<BiasFinding, 'changedOutcome' | 'applied' | 'weightBefore' | 'weightAfter'> & {
  ballots: number[];
};

export const DECLARED_FLOOR = 0.2;
/** Self-interest needs the voter's score for their own proposal to exceed the outsiders' mean by this much. */
export const SELF_INTEREST_GAP = 0.25;
export const MIN_OUTSIDERS = 2;
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
      kind: 'evidence',
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

/** The groups a voter belongs to: their id, role, team and interests. */
const groupsOf = (s: Stakeholder) =>
  new Set([s.id, ...(s.role ? [s.role] : []), ...(s.team ? [s.team] : []), ...(s.interests ?? [])]);

/**
 * Self-interest: the voter puts in their first tier (not shared by every alternative) an alternative proposed
 * by one of their own groups (proposedBy equal to their id, role, team or one of their interests), and the
 * voters outside that group (at least two) give it a mean normalised Borda score at least 0.25 below the
 * voter's own score for it. Factor 1 - gap/2 (0.5 when the outsiders all put it last and the voter alone
 * first). One finding per voter, for their largest gap.
 */
function selfInterest(
  prefs: Preference[],
  voters: Stakeholder[],
  alternatives: DecisionAlternative[],
  scores: Array<Float64Array | null>,
): RawFinding[] {
  const m = alternatives.length;
  const groups = voters.map(groupsOf);
  const findings: RawFinding[] = [];
  // The outsiders' view depends only on the alternative (and so its proposer): computed once per alternative.
  const outsiders = new Map<number, { mean: number; n: number }>();
  const outsiderView = (a: number, group: string) => {
    let view = outsiders.get(a);
    if (!view) {
      let sum = 0;
      let n = 0;
      scores.forEach((row, o) => {
        if (row && !groups[o].has(group)) {
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
    const row = scores[b];
    if (!row || tierSize(p, 0) >= m) return;
    let best: { a: number; gap: number; mean: number; n: number; group: string } | undefined;
    for (let k = 0; k < tierSize(p, 0); k++) {
      const a = p.order[k];
      const group = alternatives[a].proposedBy;
      if (group === undefined || !groups[b].has(group)) continue;
      const { mean, n } = outsiderView(a, group);
      const gap = row[a] - mean;
      if (n < MIN_OUTSIDERS || gap < SELF_INTEREST_GAP - 1e-12) continue;
      if (!best || gap > best.gap) best = { a, gap, mean, n, group };
    }
    if (!best) return;
    const { a, gap, mean, n, group } = best;
    findings.push({
      rule: 'self_favouring',
      kind: 'evidence',
      stakeholderIds: [voters[b].id],
      alternativeId: alternatives[a].id,
      factor: 1 - Math.min(1, gap) / 2,
      evidence: `puts '${alternatives[a].id}' (proposed by ${group}, their own group) first with score ${row[a].toFixed(2)}; the ${n} voters outside ${group} give it ${mean.toFixed(2)} on average (gap ${gap.toFixed(2)}, threshold ${SELF_INTEREST_GAP})`,
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

/** A hash of each ballot's tiers, so identical ballots (a bloc) are found in one pass. */
function tierHashes(prefs: Preference[]): Uint32Array {
  const hashes = new Uint32Array(prefs.length);
  prefs.forEach((p, b) => {
    let h = 2166136261;
    for (let i = 0; i < p.tierOf.length; i++) h = Math.imul(h ^ p.tierOf[i], 16777619);
    hashes[b] = h >>> 0;
  });
  return hashes;
}

const sameTiers = (x: Preference, y: Preference) => x.tierOf.every((t, i) => t === y.tierOf[i]);

/**
 * Outlier (statistical): with at least 5 ballots and 3 alternatives, a ballot whose rank correlation with the
 * mean of the other ballots is negative and more than 3 robust deviations (1.4826 x MAD, at least 0.05) below
 * the median correlation, and that no other voter cast identically: a bloc of equal ballots is a group that
 * agrees, never an outlier. Factor 0.5, applied only in mode `all`.
 */
function outliers(
  prefs: Preference[],
  voters: Stakeholder[],
  scores: Array<Float64Array | null>,
  m: number,
): RawFinding[] {
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
  const flagged = rhos.filter(({ rho }) => rho < 0 && rho < mid - 3 * spread);
  if (flagged.length === 0) return [];
  const hashes = tierHashes(prefs);
  const inBloc = (b: number) =>
    prefs.some((p, o) => o !== b && !p.empty && hashes[o] === hashes[b] && sameTiers(p, prefs[b]));
  return flagged
    .filter(({ b }) => !inBloc(b))
    .map(({ b, rho }) => ({
      rule: 'outlier' as const,
      kind: 'statistical' as const,
      stakeholderIds: [voters[b].id],
      factor: OUTLIER_FACTOR,
      evidence: `rank correlation with the other ballots ${rho.toFixed(2)} against a median of ${mid.toFixed(2)}`,
      ballots: [b],
    }));
}

/**
 * Herding (statistical): with at least 6 dated ballots, split by castAt into an early and a late half. If the early leader's
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
      kind: 'statistical',
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
    ...selfInterest(prefs, voters, alternatives, scores),
    ...outliers(prefs, voters, scores, alternatives.length),
    ...herding(prefs, voters, alternatives, tieRank),
  ];
}

/** Per-ballot multipliers from a set of findings (product of factors, never below 0.1). */
export function correctionFactors(findings: RawFinding[], ballots: number): number[] {
  const factors = new Array<number>(ballots).fill(1);
  for (const f of findings) for (const b of f.ballots) factors[b] *= f.factor;
  return factors.map((f) => Math.max(MIN_FACTOR, f));
}
