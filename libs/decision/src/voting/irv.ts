// Instant-runoff voting: repeatedly drop the alternative with the fewest votes until one holds a majority.
import { orderBy, same, type Count } from './count';
import type { Preference } from './preferences';

/**
 * Each round a ballot counts for its best expressed tier that still has continuing alternatives (split
 * equally inside the tier); ballots with none left are exhausted. A majority of the non-exhausted weight
 * wins; otherwise the lowest is eliminated, ties going against the later tie-break rank. Counts are kept
 * incrementally: an elimination only moves the ballots whose current tier held the eliminated alternative.
 */
export function instantRunoff(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  const m = tieRank.length;
  const continuing = new Uint8Array(m).fill(1);
  const counts = new Array<number>(m).fill(0);
  const current = new Int32Array(prefs.length).fill(-1);
  let exhausted = 0;
  let active = 0;
  const liveIn = (p: Preference, t: number) => {
    let live = 0;
    for (let k = p.tierStart[t]; k < p.tierStart[t + 1]; k++) live += continuing[p.order[k]];
    return live;
  };
  const spread = (p: Preference, t: number, amount: number) => {
    for (let k = p.tierStart[t]; k < p.tierStart[t + 1]; k++)
      if (continuing[p.order[k]]) counts[p.order[k]] += amount;
  };
  /** Moves ballot b to its best tier at or after `from` with continuing alternatives, and counts it there. */
  const place = (b: number, from: number) => {
    const p = prefs[b];
    for (let t = from; t < p.expressed; t++) {
      const live = liveIn(p, t);
      if (live === 0) continue;
      current[b] = t;
      spread(p, t, weights[b] / live);
      return;
    }
    current[b] = -1;
    active -= weights[b];
    exhausted += weights[b];
  };
  prefs.forEach((p, b) => {
    if (p.empty) return;
    active += weights[b];
    place(b, 0);
  });
  const rounds: NonNullable<Count['rounds']> = [];
  const lastCount = new Array<number>(m).fill(0);
  const eliminatedOrder: number[] = [];
  // Incremental updates leave rounding dust where a count should be exactly 0.
  const snapshot = () => counts.map((c) => (Math.abs(c) < 1e-9 ? 0 : c));
  for (let remaining = m; ; remaining--) {
    const live = [...Array(m).keys()].filter((i) => continuing[i]);
    for (const i of live) lastCount[i] = counts[i];
    const ranked = orderBy(counts, tieRank, live);
    const leader = ranked[0];
    const majority = leader !== undefined && counts[leader] > active / 2 && !same(counts[leader], active / 2);
    if (majority || remaining <= 1) {
      rounds.push({ counts: snapshot(), eliminated: null, exhausted });
      const tieBroken = ranked.length > 1 && same(counts[ranked[0]], counts[ranked[1]]);
      return {
        counts: lastCount,
        order: [...ranked, ...eliminatedOrder.reverse()],
        winner: leader ?? null,
        tieBroken,
        rounds,
      };
    }
    const loser = ranked[ranked.length - 1];
    rounds.push({ counts: snapshot(), eliminated: loser, exhausted });
    eliminatedOrder.push(loser);
    const moved: number[] = [];
    prefs.forEach((p, b) => {
      const t = current[b];
      if (t < 0 || p.tierOf[loser] !== t) return;
      spread(p, t, -weights[b] / liveIn(p, t));
      moved.push(b);
    });
    continuing[loser] = 0;
    counts[loser] = 0;
    for (const b of moved) place(b, current[b]);
  }
}
