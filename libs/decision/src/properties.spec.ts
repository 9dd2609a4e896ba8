import fc from 'fast-check';
import { makeDecision } from './engine';
import { alternative, NOW, request } from './test-fixtures';
import {
  VOTING_SYSTEMS,
  type Ballot,
  type CriterionDirection,
  type DecisionRequest,
  type VotingSystem,
} from './types';

const ids = (m: number) => Array.from({ length: m }, (_, i) => `alt-${String.fromCharCode(97 + i)}`);

/** A random permutation of xs from a list of sort keys. */
const permute = <T>(xs: T[], keys: number[]) =>
  xs
    .map((x, i) => ({ x, k: keys[i % keys.length] * 1000 + i }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.x);

const electionArb = fc.record({
  m: fc.integer({ min: 2, max: 5 }),
  voters: fc.array(
    fc.record({
      keys: fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }),
      weight: fc.double({ min: 0.05, max: 1, noNaN: true }),
    }),
    { minLength: 1, maxLength: 15 },
  ),
});

function voterFields(system: VotingSystem, weight: number) {
  if (system === 'expertise_weighted') return { expertise: { domains: { quality: weight } } };
  return { votingWeight: weight, trustScore: weight, influence: weight };
}

describe('properties of the voting systems', () => {
  it.each(VOTING_SYSTEMS.map((s) => [s]))(
    '%s: an alternative every voter puts first always wins',
    (system) => {
      fc.assert(
        fc.property(electionArb, fc.nat(4), ({ m, voters }, pick) => {
          const alternatives = ids(m);
          const favourite = alternatives[pick % m];
          const rest = alternatives.filter((a) => a !== favourite);
          const ballots: Ballot[] = voters.map((v, k) => {
            const ranking = [favourite, ...permute(rest, v.keys)];
            // Approval needs the favourite to be the only alternative everyone approves: one voter approves it alone.
            return system === 'approval'
              ? { stakeholderId: `s${k}`, approve: ranking.slice(0, k === 0 ? 1 : 1 + (v.keys[0] % m)) }
              : { stakeholderId: `s${k}`, ranking };
          });
          const req = request({
            alternatives: alternatives.map((id, i) => alternative(id, { quality: i + 1 })),
            votingSystem: system,
            stakeholders: voters.map((v, k) => ({ id: `s${k}`, ...voterFields(system, v.weight) })),
            ballots,
          });
          expect(makeDecision(req, { now: NOW }).winningAlternative?.id).toBe(favourite);
        }),
      );
    },
  );

  it('condorcet: a Condorcet winner always wins', () => {
    fc.assert(
      fc.property(electionArb, ({ m, voters }) => {
        const alternatives = ids(m);
        const rankings = voters.map((v) => permute(alternatives, v.keys));
        const beats = (x: string, y: string) =>
          rankings.filter((r) => r.indexOf(x) < r.indexOf(y)).length > rankings.length / 2;
        const winner = alternatives.find((x) => alternatives.every((y) => y === x || beats(x, y)));
        fc.pre(winner !== undefined);
        const req = request({
          alternatives: alternatives.map((id) => alternative(id, { quality: 1 })),
          votingSystem: 'condorcet',
          stakeholders: voters.map((_, k) => ({ id: `s${k}` })),
          ballots: rankings.map((ranking, k) => ({ stakeholderId: `s${k}`, ranking })),
        });
        expect(makeDecision(req, { now: NOW, biasCorrection: false }).winningAlternative?.id).toBe(winner);
      }),
    );
  });
});

const criteriaNames = ['quality', 'cost', 'time', 'security', 'performance'];
const mcdaArb = fc.record({
  rows: fc.array(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 5, maxLength: 5 }), {
    minLength: 1,
    maxLength: 6,
  }),
  k: fc.integer({ min: 1, max: 5 }),
  weights: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
  flips: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
});

interface McdaInput {
  rows: number[][];
  k: number;
  weights: number[];
  flips: boolean[];
}

function mcdaRequest({ rows, k, weights, flips }: McdaInput): DecisionRequest {
  const names = criteriaNames.slice(0, k);
  return request({
    alternatives: rows.map((row, i) =>
      alternative(`alt-${i}`, Object.fromEntries(names.map((c, j) => [c, row[j]]))),
    ),
    criteria: names.map((criterion, j) => ({
      criterion,
      weight: weights[j],
      direction: (flips[j] ? 'cost' : 'benefit') as CriterionDirection,
    })),
  });
}

describe('properties of the multi-criteria analysis', () => {
  it('adding an alternative dominated by an existing one never changes the weighted-sum winner', () => {
    fc.assert(
      fc.property(
        mcdaArb,
        fc.nat(),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 5, maxLength: 5 }),
        fc.nat(4),
        fc.string({ minLength: 1, maxLength: 6 }),
        (input, base, worse, strict, suffix) => {
          const req = mcdaRequest(input);
          const before = makeDecision(req, { now: NOW }).winningAlternative?.id;
          const source = req.alternatives[base % req.alternatives.length];
          const cut = worse.map((w, j) => (j === strict % req.criteria.length ? Math.max(1, w) : w));
          const dominated = alternative(
            `dominated-${suffix}`,
            Object.fromEntries(
              req.criteria.map((c, j) => {
                const value = source.attributes.find((a) => a.criterion === c.criterion)?.value as number;
                return [c.criterion, c.direction === 'cost' ? value + cut[j] : value - cut[j]];
              }),
            ),
          );
          fc.pre(!req.alternatives.some((a) => a.id === dominated.id));
          const after = makeDecision({ ...req, alternatives: [...req.alternatives, dominated] }, { now: NOW })
            .winningAlternative?.id;
          expect(after).toBe(before);
        },
      ),
    );
  });
});

describe('order independence', () => {
  const fullArb = fc.record({
    mcda: mcdaArb,
    system: fc.constantFrom(...VOTING_SYSTEMS),
    method: fc.constantFrom('weighted_sum' as const, 'topsis' as const, 'ahp' as const),
    voters: fc.array(
      fc.record({
        keys: fc.array(fc.nat(100), { minLength: 6, maxLength: 6 }),
        kind: fc.nat(2),
        weight: fc.double({ min: 0, max: 1, noNaN: true }),
        role: fc.constantFrom('ops', 'dev', 'alt-0'),
        minute: fc.nat(60),
        bias: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { maxLength: 12 },
    ),
    shuffle: fc.array(fc.nat(1000), { minLength: 12, maxLength: 12 }),
  });

  it('the result does not depend on the order of alternatives, criteria or ballots', () => {
    fc.assert(
      fc.property(fullArb, ({ mcda, system, method, voters, shuffle }) => {
        const req = mcdaRequest(mcda);
        req.alternatives.forEach((a, i) => (a.proposedBy = i % 2 ? 'alt-0' : 'dev'));
        req.votingSystem = system;
        req.analysis = { method };
        const altIds = req.alternatives.map((a) => a.id);
        req.stakeholders = voters.map((v, k) => ({
          id: `s${k}`,
          role: v.role,
          votingWeight: v.weight,
          trustScore: v.weight,
          influence: v.weight,
          expertise: { domains: { quality: v.weight } },
          biasFactors: { cognitive: { anchoring: v.bias } },
        }));
        req.ballots = voters.map((v, k) => {
          const order = permute(altIds, v.keys);
          const castAt = new Date(Date.parse(NOW) + v.minute * 60_000).toISOString();
          if (v.kind === 0)
            return {
              stakeholderId: `s${k}`,
              ranking: order.slice(0, 1 + (v.keys[0] % order.length)),
              castAt,
            };
          if (v.kind === 1)
            return {
              stakeholderId: `s${k}`,
              scores: Object.fromEntries(order.map((id, i) => [id, v.keys[i % 6] % 4])),
              castAt,
            };
          return { stakeholderId: `s${k}`, approve: order.slice(0, 1 + (v.keys[1] % order.length)), castAt };
        });
        const shuffled: DecisionRequest = {
          ...req,
          alternatives: permute(req.alternatives, shuffle),
          criteria: permute(req.criteria, shuffle.slice(3)),
          ballots: permute(req.ballots, shuffle.slice(6)),
        };
        expect(makeDecision(shuffled, { now: NOW })).toEqual(makeDecision(req, { now: NOW }));
      }),
      { numRuns: 300 },
    );
  });
});
