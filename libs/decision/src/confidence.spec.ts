import fc from 'fast-check';
import { confidenceFrom, kendallW, robustnessOf } from './confidence';
import { makeDecision } from './engine';
import { seedRequest } from './seed-request';
import { NOW } from './test-fixtures';
import { toPreference } from './voting/preferences';

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const parts = fc.record({ margin: unit, agreement: unit, evidence: unit, robustness: unit });
const keys = ['margin', 'agreement', 'evidence', 'robustness'] as const;

describe('confidence', () => {
  it('stays within [0, 1]', () => {
    fc.assert(fc.property(parts, (p) => confidenceFrom(p) >= 0 && confidenceFrom(p) <= 1));
  });

  it.each(keys.map((k) => [k]))('never falls when %s rises', (key) => {
    fc.assert(
      fc.property(parts, unit, (p, raised) => {
        fc.pre(raised >= p[key]);
        expect(confidenceFrom({ ...p, [key]: raised })).toBeGreaterThanOrEqual(confidenceFrom(p));
      }),
    );
  });

  it('is 1 only with a clear margin, full agreement, full evidence and a robust winner', () => {
    expect(confidenceFrom({ margin: 1, agreement: 1, evidence: 1, robustness: 1 })).toBe(1);
    expect(confidenceFrom({ margin: 1, agreement: 1, evidence: 0, robustness: 1 })).toBe(0);
  });

  it('robustness grows with the weight change needed to unseat the winner, and is 0 if it does not lead the analysis', () => {
    expect(robustnessOf(true, 0.05)).toBeLessThan(robustnessOf(true, 0.2));
    expect(robustnessOf(true, null)).toBe(1);
    expect(robustnessOf(false, 0.5)).toBe(0);
  });

  it("Kendall's W is 1 for identical ballots and 0 for two opposite ones", () => {
    const index = new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    const same = [
      toPreference({ stakeholderId: 's1', ranking: ['a', 'b', 'c'] }, index),
      toPreference({ stakeholderId: 's2', ranking: ['a', 'b', 'c'] }, index),
    ];
    const opposite = [same[0], toPreference({ stakeholderId: 's2', ranking: ['c', 'b', 'a'] }, index)];
    expect(kendallW(same, [1, 1], 3)).toBeCloseTo(1, 12);
    expect(kendallW(opposite, [1, 1], 3)).toBeCloseTo(0, 12);
  });

  it('end to end: raising the attribute confidences never lowers the decision confidence', () => {
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 4, maxLength: 4 }),
        fc.array(unit, { minLength: 4, maxLength: 4 }),
        (low, lift) => {
          const set = (values: number[]) => {
            const req = seedRequest();
            req.alternatives.forEach((a, i) =>
              a.attributes.forEach((attr, j) => (attr.confidence = values[i * 2 + j])),
            );
            return makeDecision(req, { now: NOW }).confidence;
          };
          const raised = low.map((v, i) => Math.min(1, v + lift[i] * (1 - v)));
          expect(set(raised)).toBeGreaterThanOrEqual(set(low) - 1e-12);
        },
      ),
    );
  });
});
