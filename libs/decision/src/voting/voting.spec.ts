import { makeDecision } from '../engine';
import { NOW, election, request, alternative } from '../test-fixtures';
import type { VotingSystem } from '../types';

// Wikipedia, "Tennessee and its four major cities": 42% Memphis > Nashville > Chattanooga > Knoxville,
// 26% Nashville > Chattanooga > Knoxville > Memphis, 15% Chattanooga > Knoxville > Nashville > Memphis,
// 17% Knoxville > Chattanooga > Nashville > Memphis (as 100 voters).
const CITIES = ['memphis', 'nashville', 'chattanooga', 'knoxville'];
const TENNESSEE: Array<[number, string[]]> = [
  [42, ['memphis', 'nashville', 'chattanooga', 'knoxville']],
  [26, ['nashville', 'chattanooga', 'knoxville', 'memphis']],
  [15, ['chattanooga', 'knoxville', 'nashville', 'memphis']],
  [17, ['knoxville', 'chattanooga', 'nashville', 'memphis']],
];
// Default settings throughout: the published result must come out with bias handling as it ships.
const decide = (system: VotingSystem) => makeDecision(election(CITIES, TENNESSEE, system), { now: NOW });

describe('voting on the Tennessee capital example (Wikipedia)', () => {
  it('plurality elects Memphis with 42 of 100 first choices', () => {
    const result = decide('plurality');
    expect(result.winningAlternative?.id).toBe('memphis');
    expect(result.tally?.counts).toEqual({ memphis: 42, nashville: 26, chattanooga: 15, knoxville: 17 });
  });

  it('simple majority finds no city above half and shows the tally instead of a winner', () => {
    const result = decide('simple_majority');
    expect(result.outcome).toBe('no_majority');
    expect(result.winningAlternative).toBeNull();
    expect(result.tally?.majorityThreshold).toBe(50);
    expect(result.tally?.counts.memphis).toBe(42);
    expect(result.confidence).toBe(0);
  });

  it('Borda count elects Nashville: Nashville 194, Chattanooga 173, Memphis 126, Knoxville 107', () => {
    const result = decide('borda');
    expect(result.winningAlternative?.id).toBe('nashville');
    expect(result.ranking).toEqual([
      { alternativeId: 'nashville', score: 194 },
      { alternativeId: 'chattanooga', score: 173 },
      { alternativeId: 'memphis', score: 126 },
      { alternativeId: 'knoxville', score: 107 },
    ]);
  });

  it('Condorcet (Schulze) elects Nashville, the Condorcet winner', () => {
    const result = decide('condorcet');
    expect(result.winningAlternative?.id).toBe('nashville');
    expect(result.tally?.condorcetWinner).toBe('nashville');
    // Head to head: Nashville beats Memphis 58-42, Chattanooga 68-32, Knoxville 68-32.
    expect(result.tally?.pairwise?.nashville).toEqual({ memphis: 58, chattanooga: 68, knoxville: 68 });
  });

  it('two-round system: no majority (Memphis 42), runoff Memphis v Nashville, Nashville wins 58-42', () => {
    const result = decide('two_round');
    expect(result.winningAlternative?.id).toBe('nashville');
    expect(result.tally?.rounds?.map((r) => r.advanced)).toEqual([['memphis', 'nashville'], ['nashville']]);
    expect(result.tally?.rounds?.[1].counts).toEqual({ nashville: 58, memphis: 42 });
    expect(result.ranking.map((r) => r.alternativeId)).toEqual([
      'nashville',
      'memphis',
      'knoxville',
      'chattanooga',
    ]);
  });

  it('no voter of the 17-voter Knoxville bloc (or any bloc) is flagged, and nothing is corrected', () => {
    for (const system of ['ranked_choice', 'condorcet', 'borda'] as const) {
      const { biases } = decide(system);
      expect(biases.findings).toEqual([]);
      expect(biases).toMatchObject({ mode: 'auto', corrected: false, changedOutcome: false, weightMoved: 0 });
    }
  });

  it('instant runoff eliminates Chattanooga, then Nashville, and elects Knoxville 58-42', () => {
    const result = decide('ranked_choice');
    expect(result.winningAlternative?.id).toBe('knoxville');
    expect(result.tally?.rounds?.map((r) => r.eliminated)).toEqual(['chattanooga', 'nashville', null]);
    expect(result.tally?.rounds?.[2].counts).toEqual({ knoxville: 58, memphis: 42 });
  });

  it('approval voting with every voter approving their top two elects Nashville with 68 approvals', () => {
    const topTwo = election(CITIES, TENNESSEE, 'approval');
    topTwo.ballots = topTwo.ballots?.map((b) => ({
      stakeholderId: b.stakeholderId,
      approve: b.ranking?.slice(0, 2),
    }));
    const result = makeDecision(topTwo, { now: NOW });
    expect(result.winningAlternative?.id).toBe('nashville');
    expect(result.tally?.counts).toEqual({ memphis: 42, nashville: 68, chattanooga: 58, knoxville: 32 });
  });

  it.each([
    ['weighted', (share: number) => ({ votingWeight: share })],
    ['trust_weighted', (share: number) => ({ trustScore: share / 100 })],
    ['stakeholder_weighted', (share: number) => ({ influence: share / 100 })],
    ['expertise_weighted', (share: number) => ({ expertise: { domains: { quality: share / 100 } } })],
  ] as const)(
    '%s with one stakeholder per city bloc weighted by its share reproduces plurality: Memphis 42%%',
    (system, weightOf) => {
      const shares = TENNESSEE.map(([share]) => share);
      const result = makeDecision(
        request({
          alternatives: CITIES.map((id) => alternative(id, { quality: 1 })),
          votingSystem: system,
          stakeholders: TENNESSEE.map(([share], i) => ({ id: `bloc${i}`, ...weightOf(share) })),
          ballots: TENNESSEE.map(([, ranking], i) => ({ stakeholderId: `bloc${i}`, ranking })),
        }),
        { now: NOW },
      );
      expect(result.winningAlternative?.id).toBe('memphis');
      const total = result.tally?.totalWeight ?? 0;
      expect((result.tally?.counts.memphis ?? 0) / total).toBeCloseTo(shares[0] / 100, 10);
    },
  );
});

// Wikipedia, "Schulze method", worked example: 45 voters, 5 candidates; winner E, ranking E > A > C > B > D.
const SCHULZE: Array<[number, string[]]> = [
  [5, ['a', 'c', 'b', 'e', 'd']],
  [5, ['a', 'd', 'e', 'c', 'b']],
  [8, ['b', 'e', 'd', 'a', 'c']],
  [3, ['c', 'a', 'b', 'e', 'd']],
  [7, ['c', 'a', 'e', 'b', 'd']],
  [2, ['c', 'b', 'a', 'd', 'e']],
  [7, ['d', 'c', 'e', 'b', 'a']],
  [8, ['e', 'b', 'a', 'd', 'c']],
];

describe('Schulze method on the Wikipedia 45-voter example', () => {
  const result = makeDecision(election(['a', 'b', 'c', 'd', 'e'], SCHULZE, 'condorcet'), { now: NOW });

  it('elects E and ranks E > A > C > B > D', () => {
    expect(result.winningAlternative?.id).toBe('e');
    expect(result.ranking.map((r) => r.alternativeId)).toEqual(['e', 'a', 'c', 'b', 'd']);
    expect(result.tally?.condorcetWinner).toBeNull();
  });

  it('corrects nothing: eight sincere blocs are no evidence of bias', () => {
    expect(result.biases).toMatchObject({ corrected: false, uncorrectedWinner: 'e', correctedWinner: 'e' });
    expect(result.biases.findings.filter((f) => f.applied)).toEqual([]);
  });

  it('has the published pairwise preferences d[*,*]', () => {
    const d = result.tally?.pairwise;
    expect(d?.a).toEqual({ b: 20, c: 26, d: 30, e: 22 });
    expect(d?.b).toEqual({ a: 25, c: 16, d: 33, e: 18 });
    expect(d?.c).toEqual({ a: 19, b: 29, d: 17, e: 24 });
    expect(d?.d).toEqual({ a: 15, b: 12, c: 28, e: 14 });
    expect(d?.e).toEqual({ a: 23, b: 27, c: 21, d: 31 });
  });

  it('has the published strongest paths p[*,*]', () => {
    const p = result.tally?.strongestPaths;
    expect(p?.a).toEqual({ b: 28, c: 28, d: 30, e: 24 });
    expect(p?.b).toEqual({ a: 25, c: 28, d: 33, e: 24 });
    expect(p?.c).toEqual({ a: 25, b: 29, d: 29, e: 24 });
    expect(p?.d).toEqual({ a: 25, b: 28, c: 28, e: 24 });
    expect(p?.e).toEqual({ a: 25, b: 28, c: 28, d: 31 });
  });
});

// Wikipedia, "Condorcet paradox": A > B > C, B > C > A, C > A > B. Each alternative wins one head-to-head 2-1
// and loses the other, so there is no Condorcet winner and Schulze's beatpaths tie all three.
describe('the Condorcet paradox', () => {
  const result = makeDecision(
    election(
      ['a', 'b', 'c'],
      [
        [1, ['a', 'b', 'c']],
        [1, ['b', 'c', 'a']],
        [1, ['c', 'a', 'b']],
      ],
      'condorcet',
    ),
    { now: NOW },
  );
  it('has a majority cycle a > b > c > a and no Condorcet winner; the tie-break order decides', () => {
    expect(result.tally?.pairwise).toEqual({ a: { b: 2, c: 1 }, b: { a: 1, c: 2 }, c: { a: 2, b: 1 } });
    expect(result.tally?.condorcetWinner).toBeNull();
    expect(result.tally?.tieBroken).toBe(true);
    expect(result.winningAlternative?.id).toBe('a'); // all score the same; ids order the tie
  });
});
