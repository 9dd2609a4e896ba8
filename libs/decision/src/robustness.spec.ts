import fc from 'fast-check';
import { makeDecision } from './engine';
import { DecisionError } from './errors';
import { seedRequest } from './seed-request';
import { NOW } from './test-fixtures';

// Bad input never crashes: whatever one field holds, the reply is a result or a DecisionError naming it.
const paths: Array<(req: Record<string, unknown>, value: unknown) => void> = [
  (r, v) => (r.alternatives = v),
  (r, v) => (r.criteria = v),
  (r, v) => (r.constraints = v),
  (r, v) => (r.stakeholders = v),
  (r, v) => (r.ballots = v),
  (r, v) => (r.quorum = v),
  (r, v) => (r.analysis = v),
  (r, v) => (r.metadata = v),
  (r, v) => (r.deadline = v),
  (r, v) => ((r.alternatives as Array<Record<string, unknown>>)[0].attributes = v),
  (r, v) => ((r.alternatives as Array<Record<string, unknown>>)[0].timeline = v),
  (r, v) => ((r.alternatives as Array<Record<string, unknown>>)[0].risks = v),
  (r, v) => ((r.alternatives as Array<Record<string, unknown>>)[0].dependencies = v),
  (r, v) => ((r.alternatives as Array<Record<string, unknown>>)[0].impact = v),
  (r, v) => ((r.criteria as Array<Record<string, unknown>>)[0].weight = v),
  (r, v) => ((r.stakeholders as Array<Record<string, unknown>>)[0].expertise = v),
  (r, v) => ((r.stakeholders as Array<Record<string, unknown>>)[0].biasFactors = v),
  (r, v) =>
    (r.ballots = [
      { stakeholderId: 'cto', ranking: ['gpt-4'] },
      { stakeholderId: 'lead-engineer', ranking: v },
    ]),
  (r, v) => (r.ballots = [{ stakeholderId: 'cto', scores: v, castAt: '2026-01-01T00:00:00Z' }]),
  (r, v) => (r.ballots = [{ stakeholderId: 'cto', approve: ['gpt-4'], castAt: v }]),
];

describe('robustness against malformed requests', () => {
  it('returns a result or throws a DecisionError, never anything else', () => {
    const outcomes = { result: 0, refused: 0 };
    fc.assert(
      fc.property(fc.nat(paths.length - 1), fc.jsonValue(), (which, value) => {
        const req = seedRequest() as unknown as Record<string, unknown>;
        req.quorum = undefined;
        paths[which](req, value);
        let error: unknown;
        try {
          makeDecision(req as never, { now: NOW });
        } catch (err) {
          error = err ?? new Error('threw a nullish value');
        }
        if (error === undefined) return void outcomes.result++;
        expect(error).toBeInstanceOf(DecisionError);
        outcomes.refused++;
      }),
      { numRuns: 500 },
    );
    // Both paths ran: the property checked refusals, not only requests that happened to be valid.
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.result + outcomes.refused).toBe(500);
  });

  it('refuses an unreadable clock reading', () => {
    expect(() => makeDecision(seedRequest(), { now: 'not a date' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
