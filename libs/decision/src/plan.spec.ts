import { DecisionValidationError } from './errors';
import { buildPlan } from './plan';
import { alternative, NOW } from './test-fixtures';

describe('implementation plan', () => {
  it('adds a contingency phase when the total exceeds the phases', () => {
    const plan = buildPlan(
      alternative('a', {}, { timeline: { planning: 2, implementation: 3, total: 10 } }),
      Date.parse(NOW),
    );
    expect(plan.phases.map((p) => [p.name, p.days])).toEqual([
      ['planning', 2],
      ['implementation', 3],
      ['contingency', 5],
    ]);
    expect(plan.end).toBe('2026-01-15T00:00:00.000Z');
  });

  it('orders dependencies so each comes after what it depends on', () => {
    const plan = buildPlan(
      alternative(
        'a',
        {},
        {
          dependencies: [
            { id: 'deploy', dependsOn: ['build', 'db'] },
            { id: 'build', dependsOn: ['db'] },
            'db',
            { id: 'audit', critical: true },
          ],
        },
      ),
      Date.parse(NOW),
    );
    expect(plan.dependencies.map((d) => d.id)).toEqual(['audit', 'db', 'build', 'deploy']);
  });

  it('refuses a dependency cycle, naming its members', () => {
    const alt = alternative(
      'a',
      {},
      {
        dependencies: [
          { id: 'x', dependsOn: ['y'] },
          { id: 'y', dependsOn: ['x'] },
        ],
      },
    );
    expect(() => buildPlan(alt, Date.parse(NOW))).toThrow(DecisionValidationError);
    expect(() => buildPlan(alt, Date.parse(NOW))).toThrow(/dependency cycle among x, y/);
  });

  it('widens the rollback window and effort as reversibility falls', () => {
    const timeline = { implementation: 20, testing: 10, deployment: 5 };
    const [easy, staged, hard] = [0.9, 0.5, 0.1].map(
      (r) =>
        buildPlan(alternative('a', {}, { timeline, impact: { reversibility: r } }), Date.parse(NOW)).rollback,
    );
    expect([easy.strategy, staged.strategy, hard.strategy]).toEqual([
      'simple_revert',
      'staged_rollback',
      'irreversible_safeguards',
    ]);
    expect(easy.windowDays).toBeLessThan(staged.windowDays);
    expect(staged.windowDays).toBeLessThan(hard.windowDays);
    expect(easy.estimatedEffortDays).toBeLessThan(hard.estimatedEffortDays);
  });
});
