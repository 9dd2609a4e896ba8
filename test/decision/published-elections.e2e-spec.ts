// Published elections run through `ossa.decision.make` with default settings and the seed's request shape:
// stakeholders, ballots and the seed's criteria list, but no attribute values (a vote needs no measurements).
import type { NatsConnection } from 'nats';
import { subjectsFor, type ErrorEnvelope } from '@ossa/contracts';
import { startService, type RunningService } from '@ossa/runtime';
import { deleteStreams, requestJson, serviceEnv, testConnection, uniquePrefix } from '@ossa/testing';
import { decisionService } from '../../services/decision/src/definition';

type Blocs = Array<[number, string[]]>;

interface Finding {
  rule: string;
  kind: string;
  stakeholderIds: string[];
  alternativeId?: string;
  factor: number;
  applied: boolean;
  weightBefore: number;
  weightAfter: number;
  evidence: string;
}

interface Reply {
  outcome: string;
  winningAlternative: { id: string } | null;
  ranking: { alternativeId: string; score: number }[];
  tally: {
    counts: Record<string, number>;
    order: string[];
    condorcetWinner?: string | null;
    tieBroken: boolean;
    pairwise?: Record<string, Record<string, number>>;
    rounds?: { counts: Record<string, number>; eliminated: string | null; advanced?: string[] }[];
  };
  biases: {
    mode: string;
    corrected: boolean;
    findings: Finding[];
    adjustments: { stakeholderId: string; from: number; to: number }[];
    uncorrectedWinner: string | null;
    correctedWinner: string | null;
    changedOutcome: boolean;
    explanation: string;
  };
  analysis: { unmeasured?: string[] };
}

/** The seed's stakeholder shape (expertise, trust, a small declared temporal bias below the 0.2 floor). */
const voter = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id.toUpperCase(),
  role: 'citizen',
  influence: 0.5,
  expertise: { domains: { quality: 0.5 }, experience: 3, credentialScore: 0.5, trackRecord: 0.5 },
  interests: ['infrastructure'],
  trustScore: 0.8,
  biasFactors: { cognitive: {}, personal: {}, organizational: {}, temporal: 0.1 },
  ...extra,
});

function election(
  title: string,
  candidates: string[],
  blocs: Blocs,
  votingSystem: string,
  extra: Record<string, unknown> = {},
) {
  const stakeholders: ReturnType<typeof voter>[] = [];
  const ballots: {
    stakeholderId: string;
    ranking?: string[];
    approve?: string[];
    scores?: Record<string, number>;
  }[] = [];
  blocs.forEach(([size, ranking], k) => {
    for (let i = 0; i < size; i++) {
      const id = `v${k}-${i}`;
      stakeholders.push(voter(id));
      ballots.push({ stakeholderId: id, ranking });
    }
  });
  return {
    id: `election-${votingSystem}`,
    title,
    alternatives: candidates.map((id) => ({
      id,
      name: id,
      description: `${id} as the winner`,
      attributes: [],
    })),
    criteria: [
      { criterion: 'quality', weight: 0.4 },
      { criterion: 'cost', weight: 0.3 },
    ],
    constraints: [],
    stakeholders,
    deadline: new Date(Date.now() + 86_400_000).toISOString(),
    votingSystem,
    metadata: { tags: ['election'] },
    ballots,
    ...extra,
  };
}

// Tennessee capital example ("Effects of different voting systems under similar circumstances", Wikipedia;
// electowiki "Tennessee example"): 42 Memphis > Nashville > Chattanooga > Knoxville, 26 Nashville > Chattanooga >
// Knoxville > Memphis, 15 Chattanooga > Knoxville > Nashville > Memphis, 17 Knoxville > Chattanooga > Nashville >
// Memphis (as 100 voters).
const CITIES = ['memphis', 'nashville', 'chattanooga', 'knoxville'];
const TENNESSEE: Blocs = [
  [42, ['memphis', 'nashville', 'chattanooga', 'knoxville']],
  [26, ['nashville', 'chattanooga', 'knoxville', 'memphis']],
  [15, ['chattanooga', 'knoxville', 'nashville', 'memphis']],
  [17, ['knoxville', 'chattanooga', 'nashville', 'memphis']],
];

// Schulze (2011), "A new monotonic, clone-independent, reversal symmetric, and Condorcet-consistent single-winner
// election method", and Wikipedia "Schulze method": 45 voters, winner E, ranking E > A > C > B > D.
const SCHULZE: Blocs = [
  [5, ['a', 'c', 'b', 'e', 'd']],
  [5, ['a', 'd', 'e', 'c', 'b']],
  [8, ['b', 'e', 'd', 'a', 'c']],
  [3, ['c', 'a', 'b', 'e', 'd']],
  [7, ['c', 'a', 'e', 'b', 'd']],
  [2, ['c', 'b', 'a', 'd', 'e']],
  [7, ['d', 'c', 'e', 'b', 'a']],
  [8, ['e', 'b', 'a', 'd', 'c']],
];

describe('published elections through the decision service (default settings)', () => {
  const prefix = uniquePrefix('elections');
  const subjects = subjectsFor(prefix);
  let nc: NatsConnection;
  let service: RunningService;
  const decide = (body: unknown) =>
    requestJson<Reply>(nc, subjects.request('decision', 'make'), body, { timeoutMs: 15_000 });
  const order = (reply: Reply) => reply.ranking.map((r) => r.alternativeId);

  beforeAll(async () => {
    nc = await testConnection();
    service = await startService(decisionService, serviceEnv(prefix));
  });

  afterAll(async () => {
    await service.close();
    await deleteStreams(nc, subjects);
    await nc.drain();
  });

  it('plurality (Tennessee): Memphis wins with 42 of 100 first choices; the criteria without values are reported', async () => {
    const reply = await decide(election('Capital of Tennessee', CITIES, TENNESSEE, 'plurality'));
    expect(reply.winningAlternative!.id).toBe('memphis');
    expect(reply.tally.counts).toEqual({ memphis: 42, nashville: 26, chattanooga: 15, knoxville: 17 });
    expect(order(reply)).toEqual(['memphis', 'nashville', 'knoxville', 'chattanooga']);
    expect(reply.analysis.unmeasured).toEqual(['cost', 'quality']);
  });

  it('two-round system (Tennessee): no majority, Memphis and Nashville go on, Nashville wins the runoff 58-42', async () => {
    const reply = await decide(election('Capital of Tennessee', CITIES, TENNESSEE, 'two_round'));
    expect(reply.winningAlternative!.id).toBe('nashville');
    expect(reply.tally.rounds!.map((r) => r.advanced)).toEqual([['memphis', 'nashville'], ['nashville']]);
    expect(reply.tally.rounds![1].counts).toEqual({ nashville: 58, memphis: 42 });
  });

  it('Borda count (Tennessee): Nashville 194 > Chattanooga 173 > Memphis 126 > Knoxville 107', async () => {
    const reply = await decide(election('Capital of Tennessee', CITIES, TENNESSEE, 'borda'));
    expect(reply.ranking).toEqual([
      { alternativeId: 'nashville', score: 194 },
      { alternativeId: 'chattanooga', score: 173 },
      { alternativeId: 'memphis', score: 126 },
      { alternativeId: 'knoxville', score: 107 },
    ]);
  });

  it('Condorcet (Tennessee): Nashville is the Condorcet winner; ranking Nashville > Chattanooga > Knoxville > Memphis', async () => {
    const reply = await decide(election('Capital of Tennessee', CITIES, TENNESSEE, 'condorcet'));
    expect(reply.winningAlternative!.id).toBe('nashville');
    expect(reply.tally.condorcetWinner).toBe('nashville');
    expect(order(reply)).toEqual(['nashville', 'chattanooga', 'knoxville', 'memphis']);
    // Published head-to-head results: Nashville 68-32 over Chattanooga and Knoxville, 58-42 over Memphis.
    expect(reply.tally.pairwise!.nashville).toEqual({ memphis: 58, chattanooga: 68, knoxville: 68 });
  });

  it('Schulze (45-voter example): winner E, ranking E > A > C > B > D, and no correction of the sincere blocs', async () => {
    const reply = await decide(election('Schulze example', ['a', 'b', 'c', 'd', 'e'], SCHULZE, 'condorcet'));
    expect(reply.winningAlternative!.id).toBe('e');
    expect(order(reply)).toEqual(['e', 'a', 'c', 'b', 'd']);
    expect(reply.tally.condorcetWinner).toBeNull();
    expect(reply.biases).toMatchObject({
      mode: 'auto',
      corrected: false,
      uncorrectedWinner: 'e',
      correctedWinner: 'e',
      changedOutcome: false,
    });
  });

  it('instant runoff (Tennessee): Chattanooga, then Nashville eliminated; Knoxville wins 58-42 (not the Condorcet winner)', async () => {
    const reply = await decide(election('Capital of Tennessee', CITIES, TENNESSEE, 'ranked_choice'));
    expect(reply.winningAlternative!.id).toBe('knoxville');
    expect(reply.tally.rounds!.map((r) => r.eliminated)).toEqual(['chattanooga', 'nashville', null]);
    expect(reply.tally.rounds![2].counts).toEqual({ knoxville: 58, memphis: 42 });
    // The 17-voter Knoxville bloc casts one sincere ballot: it is not an outlier, and nobody is down-weighted.
    expect(reply.biases.findings).toEqual([]);
    expect(reply.biases.adjustments).toEqual([]);
  });

  it('approval (Tennessee, Wikipedia "Approval voting"): each voter approves their two nearest cities; Nashville 68', async () => {
    const body = election('Capital of Tennessee', CITIES, TENNESSEE, 'approval');
    body.ballots = body.ballots.map((b) => ({
      stakeholderId: b.stakeholderId,
      approve: b.ranking!.slice(0, 2),
    }));
    const reply = await decide(body);
    expect(reply.winningAlternative!.id).toBe('nashville');
    expect(reply.tally.counts).toEqual({ memphis: 42, nashville: 68, chattanooga: 58, knoxville: 32 });
    expect(order(reply)).toEqual(['nashville', 'chattanooga', 'memphis', 'knoxville']);
  });

  it('Condorcet paradox (Wikipedia "Condorcet paradox"): A > B > C, B > C > A, C > A > B has a majority cycle and no Condorcet winner', async () => {
    const cycle: Blocs = [
      [1, ['a', 'b', 'c']],
      [1, ['b', 'c', 'a']],
      [1, ['c', 'a', 'b']],
    ];
    // An empty criteria list: a vote needs none.
    const reply = await decide(
      election('Condorcet paradox', ['a', 'b', 'c'], cycle, 'condorcet', { criteria: [] }),
    );
    expect(reply.tally.pairwise).toEqual({ a: { b: 2, c: 1 }, b: { a: 1, c: 2 }, c: { a: 2, b: 1 } });
    expect(reply.tally.condorcetWinner).toBeNull();
    expect(reply.tally.tieBroken).toBe(true);
  });

  it('weighted voting (Tennessee): one stakeholder per city weighted by its published share elects Memphis with 42%', async () => {
    const shares = TENNESSEE.map(([share]) => share);
    const body = election(
      'Capital of Tennessee',
      CITIES,
      TENNESSEE.map(([, ranking]) => [1, ranking] as [number, string[]]),
      'weighted',
    );
    body.stakeholders = body.stakeholders.map((s, k) => ({ ...s, votingWeight: shares[k] }));
    const reply = await decide(body);
    expect(reply.winningAlternative!.id).toBe('memphis');
    expect(reply.tally.counts).toEqual({ memphis: 42, nashville: 26, chattanooga: 15, knoxville: 17 });
  });

  it('self-interest (issue example): weight 3, own team proposal 10 and the rest 0, nine colleagues agreeing otherwise', async () => {
    const colleagues: Blocs = [[9, ['a', 'p', 'b', 'c']]];
    const body = election('Platform choice', ['a', 'b', 'c', 'p'], colleagues, 'weighted');
    body.alternatives = body.alternatives.map((a) => (a.id === 'p' ? { ...a, proposedBy: 'platform' } : a));
    body.stakeholders = [
      ...body.stakeholders.map((s) => ({ ...s, role: 'engineer' })),
      voter('lead', { role: 'platform', votingWeight: 3 }),
    ];
    body.ballots.push({ stakeholderId: 'lead', scores: { p: 10, a: 0, b: 0, c: 0 } });
    const reply = await decide(body);
    expect(reply.biases.findings).toHaveLength(1);
    expect(reply.biases.findings[0]).toMatchObject({
      rule: 'self_favouring',
      kind: 'evidence',
      applied: true,
      stakeholderIds: ['lead'],
      alternativeId: 'p',
      weightBefore: 3,
    });
    expect(reply.biases.findings[0].weightAfter).toBeCloseTo(2.5, 9);
    expect(reply.biases.adjustments.map((a) => [a.stakeholderId, a.from])).toEqual([['lead', 3]]);
    expect(reply.biases.explanation).toMatch(/^1 correction\(s\) moved 0\.5 weight .*; the winner stays a$/);

    const reported = await decide({ ...body, biasCorrection: 'report' });
    expect(reported.biases).toMatchObject({ mode: 'report', corrected: false, adjustments: [] });
    expect(reported.biases.findings[0]).toMatchObject({ applied: false, weightAfter: 3 });
  });

  it.each([
    [
      'condorcet over 100 alternatives',
      {
        votingSystem: 'condorcet',
        alternatives: Array.from({ length: 101 }, (_, i) => ({ id: `x${i}`, name: `x${i}`, attributes: [] })),
      },
      'alternatives',
      /condorcet counts at most 100 alternatives; got 101/,
    ],
    [
      'an unknown bias correction mode',
      { biasCorrection: 'sometimes' },
      'biasCorrection',
      /biasCorrection must be one of auto, all, report, off/,
    ],
  ])(
    'refuses %s with VALIDATION_FAILED naming the field and the rule',
    async (_label, extra, field, message) => {
      const body = { ...election('Capital of Tennessee', CITIES, TENNESSEE, 'plurality'), ...extra };
      if ((extra as { votingSystem?: string }).votingSystem)
        body.ballots = [{ stakeholderId: 'v0-0', ranking: ['x0'] }];
      const reply = await requestJson<ErrorEnvelope>(nc, subjects.request('decision', 'make'), body);
      expect(reply.error.code).toBe('VALIDATION_FAILED');
      const detail = reply.error.details.find((d) => d.field === field);
      expect(detail?.message).toMatch(message);
    },
  );
});
