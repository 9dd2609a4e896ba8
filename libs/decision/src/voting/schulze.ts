// Condorcet method by Schulze's beatpath rule (Schulze 2011), strengths measured in winning votes.
import { orderBy, type Count } from './count';
import type { Preference } from './preferences';

/**
 * d[x*m+y]: total weight of ballots that put x in a better tier than y. Adds into `into` when given, and only
 * the ballots `include` accepts, so a caller can keep the part that does not change between recounts.
 */
export function pairwisePreferences(
  prefs: Preference[],
  weights: number[],
  m: number,
  include?: (ballot: number) => boolean,
  into?: Float64Array,
): Float64Array {
  const d = into ?? new Float64Array(m * m);
  prefs.forEach((p, b) => {
    if (p.empty || (include && !include(b))) return;
    const w = weights[b];
    // Walk the ballot best first: each alternative beats everything from the next tier on (row-local writes).
    for (let k = 0; k < m; k++) {
      const x = p.order[k];
      const row = x * m;
      for (let l = p.tierStart[p.tierOf[x] + 1]; l < m; l++) d[row + p.order[l]] += w;
    }
  });
  return d;
}

/** Strongest (widest) path strengths p[x*m+y], a Floyd-Warshall variant over the defeats d[x,y] > d[y,x]. */
export function strongestPaths(d: Float64Array, m: number): Float64Array {
  const p = new Float64Array(m * m);
  for (let x = 0; x < m; x++)
    for (let y = 0; y < m; y++) if (x !== y && d[x * m + y] > d[y * m + x]) p[x * m + y] = d[x * m + y];
  for (let k = 0; k < m; k++) {
    for (let x = 0; x < m; x++) {
      if (x === k) continue;
      const pxk = p[x * m + k];
      if (pxk === 0) continue;
      for (let y = 0; y < m; y++) {
        if (y === x || y === k) continue;
        const through = Math.min(pxk, p[k * m + y]);
        if (through > p[x * m + y]) p[x * m + y] = through;
      }
    }
  }
  return p;
}

/** The alternative that beats every other one head to head, if any. */
export function condorcetWinner(d: Float64Array, m: number): number | null {
  for (let x = 0; x < m; x++) {
    let beatsAll = true;
    for (let y = 0; y < m && beatsAll; y++) if (y !== x && !(d[x * m + y] > d[y * m + x])) beatsAll = false;
    if (beatsAll) return x;
  }
  return null;
}

/**
 * Schulze: x ranks above y when p[x,y] > p[y,x]; this relation is transitive, so ordering by the number of
 * alternatives each one beats (tie-break rank among equals) is a linear extension whose head is a winner.
 */
export function schulze(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  return schulzeFrom(pairwisePreferences(prefs, weights, tieRank.length), tieRank);
}

/** Schulze from a ready pairwise matrix. */
export function schulzeFrom(d: Float64Array, tieRank: ArrayLike<number>): Count {
  const m = tieRank.length;
  const p = strongestPaths(d, m);
  const wins = new Array<number>(m).fill(0);
  let potentialWinners = 0;
  for (let x = 0; x < m; x++) {
    let unbeaten = true;
    for (let y = 0; y < m; y++) {
      if (y === x) continue;
      if (p[x * m + y] > p[y * m + x]) wins[x]++;
      else if (p[x * m + y] < p[y * m + x]) unbeaten = false;
    }
    if (unbeaten) potentialWinners++;
  }
  const order = orderBy(wins, tieRank);
  return {
    counts: wins,
    order,
    winner: m > 0 ? order[0] : null,
    tieBroken: potentialWinners > 1,
    pairwise: d,
    strongestPaths: p,
    condorcetWinner: condorcetWinner(d, m),
  };
}
