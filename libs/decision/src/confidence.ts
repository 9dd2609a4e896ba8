// Confidence in [0, 1] from four parts, each in [0, 1]:
//   confidence = evidence x (0.4 margin + 0.3 agreement + 0.3 robustness)
// Evidence multiplies because weak data undermines everything else; the rest trade off linearly.
import type { ConfidenceBreakdown } from './result';
import { bordaPoints, type Preference } from './voting/preferences';

export const ROBUST_WEIGHT_CHANGE = 0.25;
const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Non-decreasing in every part. */
export function confidenceFrom(parts: ConfidenceBreakdown): number {
  const { margin, agreement, evidence, robustness } = parts;
  return clamp(clamp(evidence) * (0.4 * clamp(margin) + 0.3 * clamp(agreement) + 0.3 * clamp(robustness)));
}

/** Kendall's coefficient of concordance W over weighted mid-ranks (1 = all ballots identical). */
export function kendallW(prefs: Preference[], weights: number[], m: number): number {
  if (m < 2) return 1;
  const rankSums = new Float64Array(m);
  let n = 0;
  prefs.forEach((p, b) => {
    if (p.empty) return;
    n += weights[b];
    // Mid-rank (1 = best) is m minus the Borda points.
    for (let i = 0; i < m; i++) rankSums[i] += weights[b] * (m - bordaPoints(p, i));
  });
  if (n <= 0) return 0;
  const mean = (n * (m + 1)) / 2;
  let s = 0;
  for (let i = 0; i < m; i++) s += (rankSums[i] - mean) ** 2;
  return clamp((12 * s) / (n * n * (m ** 3 - m)));
}

/** Agreement without ballots: the weight-weighted stakeholderAgreement of the criteria (0.5 if none is given). */
export function criteriaAgreement(
  criteria: Array<{ weight: number; agreement: number | undefined }>,
): number {
  const given = criteria.filter((c) => c.agreement !== undefined);
  const total = given.reduce((s, c) => s + c.weight, 0);
  if (given.length === 0) return 0.5;
  if (total <= 0) return given.reduce((s, c) => s + (c.agreement as number), 0) / given.length;
  return given.reduce((s, c) => s + c.weight * (c.agreement as number), 0) / total;
}

/** Winner's attribute confidences averaged with the criteria weights (imputed values count as 0). */
export function evidenceOf(confidences: number[], weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  return total > 0 ? clamp(confidences.reduce((s, c, j) => s + c * weights[j], 0) / total) : 0;
}

/** 1 when no single weight change of up to 0.25 (or none at all) unseats the winner in the analysis; 0 if it does not lead it. */
export function robustnessOf(leadsAnalysis: boolean, smallestDelta: number | null): number {
  if (!leadsAnalysis) return 0;
  return smallestDelta === null ? 1 : clamp(Math.abs(smallestDelta) / ROBUST_WEIGHT_CHANGE);
}

export function relativeMargin(first: number, second: number): number {
  return Math.abs(first) > 0 ? clamp((first - second) / Math.abs(first)) : 0;
}
