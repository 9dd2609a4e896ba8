import { makeDecision } from '../engine';
import { NOW, alternative, request } from '../test-fixtures';
import { bordaPoints, tierSize, toPreference } from './preferences';

const index = new Map(['a', 'b', 'c', 'd'].map((id, i) => [id, i]));
const tiers = (p: ReturnType<typeof toPreference>) =>
  Array.from({ length: p.tierCount }, (_, t) =>
    Array.from(p.order.subarray(p.tierStart[t], p.tierStart[t + 1])),
  );

describe('reading ballots', () => {
  it('a partial ranking leaves the unranked alternatives tied last, sharing the mean of the last places', () => {
    const p = toPreference({ stakeholderId: 's', ranking: ['c', 'a'] }, index);
    expect(tiers(p)).toEqual([[2], [0], [1, 3]]);
    expect(p.expressed).toBe(2);
    expect([0, 1, 2, 3].map((i) => bordaPoints(p, i))).toEqual([2, 0.5, 3, 0.5]);
    expect(Array.from(p.approved)).toEqual([1, 0, 1, 0]);
  });

  it('scores give tiers by value with equal scores tied, and approvals above the ballot mean', () => {
    const p = toPreference({ stakeholderId: 's', scores: { a: 5, b: 9, c: 5, d: 1 } }, index);
    expect(tiers(p)).toEqual([[1], [0, 2], [3]]);
    expect(Array.from(p.approved)).toEqual([0, 1, 0, 0]); // mean 5: only b is above it
  });

  it('an approval list is a first tier of equals', () => {
    const p = toPreference({ stakeholderId: 's', approve: ['d', 'b'] }, index);
    expect(tiers(p)).toEqual([
      [1, 3],
      [0, 2],
    ]);
    expect(tierSize(p, 0)).toBe(2);
  });

  it('a ballot naming only unknown (excluded) alternatives is empty', () => {
    expect(toPreference({ stakeholderId: 's', ranking: ['zz'] }, index).empty).toBe(true);
  });

  it('splits a first tier of equals across its alternatives in first-choice systems', () => {
    const req = request({
      alternatives: ['a', 'b', 'c'].map((id) => alternative(id, { quality: 1 })),
      stakeholders: [{ id: 's1' }, { id: 's2' }],
      ballots: [
        { stakeholderId: 's1', scores: { a: 3, b: 3, c: 1 } },
        { stakeholderId: 's2', ranking: ['a'] },
      ],
    });
    expect(makeDecision(req, { now: NOW }).tally?.counts).toEqual({ a: 1.5, b: 0.5, c: 0 });
  });
});

describe('instant runoff with partial ballots', () => {
  // Hand count: a 3, b 2, c 2 (c-voters rank only c). Round 1: no majority of 7; b and c tie at the bottom,
  // and c goes (later in the tie-break order, the analysis puts b ahead of c). Round 2: c-ballots are
  // exhausted; a holds 3 of 5 active, a majority.
  it('exhausts ballots with no continuing alternative and counts majorities of the active weight', () => {
    const blocs: Array<[number, string[]]> = [
      [3, ['a', 'b']],
      [2, ['b', 'a']],
      [2, ['c']],
    ];
    const stakeholders = blocs.flatMap(([n], k) =>
      Array.from({ length: n }, (_, i) => ({ id: `s${k}${i}` })),
    );
    const ballots = blocs.flatMap(([n, ranking], k) =>
      Array.from({ length: n }, (_, i) => ({ stakeholderId: `s${k}${i}`, ranking })),
    );
    const req = request({
      alternatives: [
        alternative('a', { quality: 3 }),
        alternative('b', { quality: 2 }),
        alternative('c', { quality: 1 }),
      ],
      votingSystem: 'ranked_choice',
      stakeholders,
      ballots,
    });
    const tally = makeDecision(req, { now: NOW, biasCorrection: false }).tally;
    expect(tally?.winner).toBe('a');
    expect(tally?.rounds?.map((r) => [r.eliminated, r.exhausted])).toEqual([
      ['c', 0],
      [null, 2],
    ]);
  });
});
