// Constraints {criterion, operator, value, hard}: hard ones exclude an alternative, soft ones are reported.
import { readCriterion } from '../criteria';
import type { ExcludedAlternative } from '../result';
import type { ConstraintOperator, DecisionAlternative, DecisionConstraint } from '../types';

const HOLDS: Record<ConstraintOperator, (actual: number, limit: number) => boolean> = {
  lt: (a, l) => a < l,
  lte: (a, l) => a <= l,
  gt: (a, l) => a > l,
  gte: (a, l) => a >= l,
  eq: (a, l) => a === l,
  neq: (a, l) => a !== l,
};
const SYMBOL: Record<ConstraintOperator, string> = {
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  eq: '=',
  neq: '!=',
};

export interface ConstraintOutcome {
  feasible: DecisionAlternative[];
  excluded: ExcludedAlternative[];
  softViolations: ExcludedAlternative[];
}

/** An alternative without a value for a constrained criterion violates the constraint (it cannot show it holds). */
export function applyConstraints(
  alternatives: DecisionAlternative[],
  constraints: DecisionConstraint[],
): ConstraintOutcome {
  const outcome: ConstraintOutcome = { feasible: [], excluded: [], softViolations: [] };
  for (const alternative of alternatives) {
    const hard: ExcludedAlternative['reasons'] = [];
    const soft: ExcludedAlternative['reasons'] = [];
    constraints.forEach((constraint, index) => {
      const actual = readCriterion(alternative, constraint.criterion)?.value ?? null;
      if (actual !== null && HOLDS[constraint.operator](actual, constraint.value)) return;
      const required = `${constraint.criterion} ${SYMBOL[constraint.operator]} ${constraint.value}`;
      const message =
        actual === null
          ? `no value for ${constraint.criterion}; required ${required}`
          : `${constraint.criterion} is ${actual}; required ${required}`;
      const reason = {
        constraintId: constraint.id ?? `constraints[${index}]`,
        criterion: constraint.criterion,
        operator: constraint.operator,
        limit: constraint.value,
        actual,
        message,
      };
      (constraint.hard === false ? soft : hard).push(reason);
    });
    if (hard.length > 0) outcome.excluded.push({ alternativeId: alternative.id, reasons: hard });
    else outcome.feasible.push(alternative);
    if (soft.length > 0) outcome.softViolations.push({ alternativeId: alternative.id, reasons: soft });
  }
  return outcome;
}
