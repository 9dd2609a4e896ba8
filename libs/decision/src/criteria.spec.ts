import { defaultDirection, readCriterion } from './criteria';
import { alternative } from './test-fixtures';

describe('criteria', () => {
  it('treats cost, risk and time-like criteria as lower-is-better by default', () => {
    expect(
      ['cost', 'time', 'risk', 'latency', 'migration_effort', 'vendor_risk'].map(defaultDirection),
    ).toEqual(Array(6).fill('cost'));
    expect(
      [
        'quality',
        'performance',
        'scalability',
        'security',
        'maintainability',
        'compliance',
        'user_experience',
      ].map(defaultDirection),
    ).toEqual(Array(7).fill('benefit'));
  });

  it('averages several readings of one criterion by their confidence', () => {
    const alt = {
      ...alternative('a', {}),
      attributes: [
        { criterion: 'quality', value: 1, confidence: 1 },
        { criterion: 'quality', value: 0, confidence: 0.25 },
      ],
    };
    expect(readCriterion(alt, 'quality')).toEqual({ value: 0.8, confidence: 0.625 });
  });

  it('falls back to cost.total and timeline.total', () => {
    const alt = alternative('a', {}, { cost: { total: 67000, confidence: 0.8 }, timeline: { total: 134 } });
    expect(readCriterion(alt, 'cost')).toEqual({ value: 67000, confidence: 0.8 });
    expect(readCriterion(alt, 'time')).toEqual({ value: 134, confidence: 1 });
    expect(readCriterion(alt, 'security')).toBeUndefined();
  });
});
