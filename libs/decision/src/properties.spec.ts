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

describe('properties of bias handling', () => {
  const profileArb = fc.record({
    m: fc.integer({ min: 2, max: 5 }),
    system: fc.constantFrom(...VOTING_SYSTEMS),
    voters: fc.array(
      fc.record({
        keys: fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }),
        kind: fc.nat(2),
        copies: fc.integer({ min: 1, max: 4 }),
        minute: fc.nat(60),
        role: fc.constantFrom('ops', 'dev', 'qa'),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    shuffle: fc.array(fc.nat(1000), { minLength: 8, maxLength: 8 }),
  });
  type Profile = typeof profileArb extends fc.Arbitrary<infer T> ? T : never;

  /** Ballots of every kind, blocs of identical ballots (copies), dated ballots; no declared bias, no proposer. */
  function profile({ m, system, voters }: Profile, dated = true): DecisionRequest {
    const altIds = ids(m);
    const ballots: Ballot[] = [];
    voters.forEach((v, k) => {
      const order = permute(altIds, v.keys);
      for (let c = 0; c < v.copies; c++) {
        const stakeholderId = `s${k}-${c}`;
        const castAt = dated ? new Date(Date.parse(NOW) + v.minute * 60_000).toISOString() : undefined;
        const at = castAt ? { castAt } : {};
        if (v.kind === 0)
          ballots.push({ stakeholderId, ranking: order.slice(0, 1 + (v.keys[0] % m)), ...at });
        else if (v.kind === 1)
          ballots.push({
            stakeholderId,
            scores: Object.fromEntries(order.map((id, i) => [id, v.keys[i] % 4])),
            ...at,
          });
        else ballots.push({ stakeholderId, approve: order.slice(0, 1 + (v.keys[1] % m)), ...at });
      }
    });
    return request({
      alternatives: altIds.map((id, i) => alternative(id, { quality: 10 + i })),
      votingSystem: system,
      stakeholders: ballots.map((b, k) => ({ id: b.stakeholderId, role: voters[k % voters.length].role })),
      ballots,
    });
  }
  // Counts rounded to 1e-9: a ballot split three ways adds thirds, whose float sum depends on the order.
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  const outcome = (req: DecisionRequest, biasCorrection?: 'off') => {
    const r = makeDecision(req, { now: NOW, ...(biasCorrection ? { biasCorrection } : {}) });
    return {
      winner: r.winningAlternative?.id ?? null,
      ranking: r.ranking.map((x) => ({ ...x, score: round(x.score) })),
      counts: Object.fromEntries(Object.entries(r.tally?.counts ?? {}).map(([id, c]) => [id, round(c)])),
    };
  };

  it("without declared bias or self-interest, the default outcome is the voting rule's own on any profile", () => {
    fc.assert(
      fc.property(profileArb, (p) => {
        const req = profile(p);
        expect(outcome(req)).toEqual(outcome(req, 'off'));
      }),
      { numRuns: 300 },
    );
  });

  it('anonymity: handing the ballots to other voters changes nothing', () => {
    fc.assert(
      fc.property(profileArb, (p) => {
        const req = profile(p);
        const holders = permute(
          (req.ballots ?? []).map((b) => b.stakeholderId),
          p.shuffle,
        );
        const swapped = {
          ...req,
          ballots: req.ballots?.map((b, k) => ({ ...b, stakeholderId: holders[k] })),
        };
        expect(outcome(swapped)).toEqual(outcome(req));
      }),
      { numRuns: 200 },
    );
  });

  it('neutrality: renaming the alternatives renames the winner and the ranking', () => {
    fc.assert(
      fc.property(profileArb, (p) => {
        const req = profile(p);
        const names = req.alternatives.map((a) => a.id);
        const target = permute(names, p.shuffle);
        const rename = (id: string) => target[names.indexOf(id)];
        const renamed: DecisionRequest = {
          ...req,
          // Each alternative keeps its own measurement under its new name, so the tie-break order is renamed too.
          alternatives: req.alternatives.map((a) => ({ ...a, id: rename(a.id), name: rename(a.id) })),
          ballots: req.ballots?.map((b) => ({
            ...b,
            ...(b.ranking ? { ranking: b.ranking.map(rename) } : {}),
            ...(b.approve ? { approve: b.approve.map(rename) } : {}),
            ...(b.scores
              ? { scores: Object.fromEntries(Object.entries(b.scores).map(([id, s]) => [rename(id), s])) }
              : {}),
          })),
        };
        const before = outcome(req);
        const after = outcome(renamed);
        expect(after.winner).toBe(before.winner === null ? null : rename(before.winner));
        expect(after.ranking).toEqual(
          before.ranking.map((r) => ({ ...r, alternativeId: rename(r.alternativeId) })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a bloc of identical ballots is never flagged, even when statistical findings are corrected', () => {
    fc.assert(
      fc.property(
        profileArb,
        fc.integer({ min: 2, max: 6 }),
        fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }),
        (p, size, keys) => {
          const req = profile(p, false);
          const bloc = Array.from({ length: size }, (_, k) => `bloc-${k}`);
          const ranking = permute(ids(p.m), keys);
          req.stakeholders.push(...bloc.map((id) => ({ id })));
          req.ballots?.push(...bloc.map((stakeholderId) => ({ stakeholderId, ranking })));
          req.biasCorrection = 'all';
          const flagged = makeDecision(req, { now: NOW }).biases.findings.flatMap((f) => f.stakeholderIds);
          expect(flagged.filter((id) => id.startsWith('bloc-'))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
