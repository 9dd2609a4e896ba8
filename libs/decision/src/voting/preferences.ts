// Turns a ballot (ranking, scores or approvals) into tiers of equally preferred alternatives and an approval set.
// Stored flat (typed arrays), because a large decision holds 1,000 ballots over 100 alternatives.
import type { Ballot } from '../types';

export interface Preference {
  stakeholderId: string;
  /** Alternative indices, best first; tier t is order[tierStart[t] .. tierStart[t + 1]). */
  order: Int32Array;
  tierStart: Int32Array;
  tierCount: number;
  /** Tier index of each alternative (0 = best). */
  tierOf: Int32Array;
  /** Number of tiers the ballot expressed; tiers after these hold the alternatives it left out. */
  expressed: number;
  approved: Uint8Array;
  /** No usable information (e.g. it named only excluded alternatives): counts for quorum, not in tallies. */
  empty: boolean;
  castAt: number | undefined;
}

export const tierSize = (p: Preference, t: number) => p.tierStart[t + 1] - p.tierStart[t];

/** Borda points of alternative i: m-1 for a sole first place down to 0; tied alternatives share the mean of their places. */
export function bordaPoints(p: Preference, i: number): number {
  const t = p.tierOf[i];
  return p.order.length - 1 - (p.tierStart[t] + (tierSize(p, t) - 1) / 2);
}

/**
 * Tiers, by precedence: `ranking` (listed alternatives in order, the rest tied last); else `scores` (equal scores
 * tie, unscored last); else `approve` (approved tied first, the rest after). Approvals: `approve` if given; else
 * the alternatives whose score (or, for a ranking, Borda points) is above the ballot's mean.
 */
export function toPreference(ballot: Ballot, index: Map<string, number>): Preference {
  const m = index.size;
  const order = new Int32Array(m);
  const starts: number[] = [];
  const tierOf = new Int32Array(m).fill(-1);
  let placed = 0;
  const openTier = () => starts.push(placed);
  const place = (i: number) => {
    tierOf[i] = starts.length - 1;
    order[placed++] = i;
  };
  const scored: Array<[number, number]> = [];
  if (ballot.scores !== undefined) {
    for (const [id, s] of Object.entries(ballot.scores)) {
      const i = index.get(id);
      if (i !== undefined) scored.push([i, s]);
    }
  }
  if (ballot.ranking !== undefined) {
    // The hot path (a full ranking per ballot): one tier per listed alternative, written in place.
    const ranking = ballot.ranking;
    for (let k = 0; k < ranking.length; k++) {
      const i = index.get(ranking[k]);
      if (i === undefined || tierOf[i] >= 0) continue;
      tierOf[i] = starts.length;
      starts.push(placed);
      order[placed++] = i;
    }
  } else if (ballot.scores !== undefined) {
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    scored.forEach(([i, s], k) => {
      if (k === 0 || s !== scored[k - 1][1]) openTier();
      place(i);
    });
  } else {
    const approved = (ballot.approve ?? [])
      .map((id) => index.get(id))
      .filter((i): i is number => i !== undefined)
      .sort((a, b) => a - b);
    if (approved.length > 0) openTier();
    for (const i of approved) place(i);
  }
  const expressed = starts.length;
  if (placed < m) {
    openTier();
    for (let i = 0; i < m; i++) if (tierOf[i] < 0) place(i);
  }
  starts.push(m);
  const tierStart = Int32Array.from(starts);
  const preference: Preference = {
    stakeholderId: ballot.stakeholderId,
    order,
    tierStart,
    tierCount: starts.length - 1,
    tierOf,
    expressed,
    approved: new Uint8Array(m),
    empty: expressed === 0,
    castAt: ballot.castAt !== undefined ? Date.parse(ballot.castAt) : undefined,
  };
  const approved = preference.approved;
  if (ballot.approve !== undefined) {
    for (const id of ballot.approve) {
      const i = index.get(id);
      if (i !== undefined) approved[i] = 1;
    }
  } else if (ballot.scores !== undefined && ballot.ranking === undefined) {
    const mean = scored.reduce((s, [, v]) => s + v, 0) / Math.max(1, scored.length);
    for (const [i, s] of scored) if (s > mean) approved[i] = 1;
  } else if (!preference.empty) {
    const mean = (m - 1) / 2;
    for (let i = 0; i < m; i++) if (bordaPoints(preference, i) > mean) approved[i] = 1;
  }
  return preference;
}
