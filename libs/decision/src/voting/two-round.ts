// Two-round system (majority runoff) read from ranked ballots: a first-round majority wins outright; otherwise
// the two leaders meet in a runoff in which each ballot counts for the finalist it ranks higher.
import { firstChoices, orderBy, same, type Count } from './count';
import type { Preference } from './preferences';

/**
 * Round 1: first choices (a first tier of equals splits the ballot). More than half of the counted weight wins.
 * Otherwise the two highest (ties by the tie-break rank) go to the runoff, where a ballot counts for the finalist
 * in its better tier; a ballot holding both in one tier abstains (reported as exhausted). The runoff's higher
 * count wins, a tie going to the earlier tie-break rank.
 */
export function twoRound(prefs: Preference[], weights: number[], tieRank: ArrayLike<number>): Count {
  const m = tieRank.length;
  const first = firstChoices(prefs, weights, m);
  const total = prefs.reduce((sum, p, b) => sum + (p.empty ? 0 : weights[b]), 0);
  const order = orderBy(first, tieRank);
  const top = order[0];
  const majority = top !== undefined && first[top] > total / 2 && !same(first[top], total / 2);
  if (majority || m < 2) {
    const tieBroken = order.length > 1 && same(first[order[0]], first[order[1]]);
    return {
      counts: first,
      order,
      winner: top ?? null,
      tieBroken,
      majorityThreshold: total / 2,
      rounds: [
        { counts: [...first], eliminated: null, exhausted: 0, advanced: top === undefined ? [] : [top] },
      ],
    };
  }
  const [x, y] = order;
  const runoff = new Array<number>(m).fill(0);
  let abstained = 0;
  prefs.forEach((p, b) => {
    if (p.empty) return;
    if (p.tierOf[x] < p.tierOf[y]) runoff[x] += weights[b];
    else if (p.tierOf[y] < p.tierOf[x]) runoff[y] += weights[b];
    else abstained += weights[b];
  });
  const finalists = orderBy(runoff, tieRank, [x, y]);
  const counts = [...first];
  counts[x] = runoff[x];
  counts[y] = runoff[y];
  return {
    counts,
    order: [...finalists, ...order.slice(2)],
    winner: finalists[0],
    tieBroken: same(runoff[x], runoff[y]),
    majorityThreshold: total / 2,
    rounds: [
      { counts: [...first], eliminated: null, exhausted: 0, advanced: [x, y] },
      { counts: runoff, eliminated: null, exhausted: abstained, advanced: [finalists[0]] },
    ],
  };
}
