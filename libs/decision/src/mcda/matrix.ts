// The decision matrix: one row per alternative, one column per criterion, with each value's confidence.
import { readCriterion } from '../criteria';
import { DecisionValidationError } from '../errors';
import type { CriterionDirection, DecisionAlternative } from '../types';

export interface DecisionMatrix {
  alternativeIds: string[];
  criteria: string[];
  directions: CriterionDirection[];
  values: number[][];
  confidences: number[][];
  imputed: Array<{ alternativeId: string; criterion: string; value: number }>;
}

/**
 * Reads every alternative on every criterion. A missing value is imputed as the worst value any other
 * alternative has on that criterion, with confidence 0; a criterion nobody has a value for is refused.
 */
export function buildMatrix(
  alternatives: DecisionAlternative[],
  criteria: Array<{ name: string; direction: CriterionDirection }>,
): DecisionMatrix {
  const values: number[][] = [];
  const confidences: number[][] = [];
  const missing: Array<[number, number]> = [];
  alternatives.forEach((alt, i) => {
    values.push([]);
    confidences.push([]);
    criteria.forEach((c, j) => {
      const reading = readCriterion(alt, c.name);
      values[i].push(reading ? reading.value : Number.NaN);
      confidences[i].push(reading ? reading.confidence : 0);
      if (!reading) missing.push([i, j]);
    });
  });
  const imputed: DecisionMatrix['imputed'] = [];
  const unknown: string[] = [];
  for (const [i, j] of missing) {
    const known = values.map((row) => row[j]).filter((v) => !Number.isNaN(v));
    if (known.length === 0) {
      if (!unknown.includes(criteria[j].name)) unknown.push(criteria[j].name);
      continue;
    }
    const worst = criteria[j].direction === 'benefit' ? Math.min(...known) : Math.max(...known);
    imputed.push({ alternativeId: alternatives[i].id, criterion: criteria[j].name, value: worst });
  }
  if (unknown.length > 0) {
    throw new DecisionValidationError(
      unknown.map((name) => ({
        path: 'alternatives[].attributes',
        message: `no alternative has a value for criterion '${name}'`,
      })),
    );
  }
  for (const entry of imputed) {
    values[alternatives.findIndex((a) => a.id === entry.alternativeId)][
      criteria.findIndex((c) => c.name === entry.criterion)
    ] = entry.value;
  }
  return {
    alternativeIds: alternatives.map((a) => a.id),
    criteria: criteria.map((c) => c.name),
    directions: criteria.map((c) => c.direction),
    values,
    confidences,
    imputed,
  };
}

/** a dominates b: at least as good on every criterion and better on one. */
export function dominates(a: number[], b: number[], directions: CriterionDirection[]): boolean {
  let strictly = false;
  for (let j = 0; j < a.length; j++) {
    const better = directions[j] === 'benefit' ? a[j] - b[j] : b[j] - a[j];
    if (better < 0) return false;
    if (better > 0) strictly = true;
  }
  return strictly;
}

/** Indices of the rows no other row dominates (the Pareto set). */
export function paretoRows(values: number[][], directions: CriterionDirection[]): number[] {
  const rows: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let dominated = false;
    for (let k = 0; k < values.length && !dominated; k++)
      dominated = k !== i && dominates(values[k], values[i], directions);
    if (!dominated) rows.push(i);
  }
  return rows;
}

/** Index of the highest score; ties go to the lower index (alternatives are sorted by id). */
export function leaderOf(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}
