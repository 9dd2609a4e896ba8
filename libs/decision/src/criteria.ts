// Criterion directions and how an alternative's value on a criterion is read.
import type { CriterionDirection, DecisionAlternative } from './types';

const LOWER_IS_BETTER = new Set(['cost', 'time', 'risk', 'latency', 'duration', 'effort', 'complexity']);

/** cost, time, risk and their kin (latency, duration, effort, complexity, *_cost, *_time, *_risk) are lower-is-better. */
export function defaultDirection(criterion: string): CriterionDirection {
  if (LOWER_IS_BETTER.has(criterion)) return 'cost';
  const suffix = criterion.split('_').pop() ?? '';
  return LOWER_IS_BETTER.has(suffix) ? 'cost' : 'benefit';
}

export interface CriterionReading {
  value: number;
  confidence: number;
}

/**
 * The alternative's value on a criterion: the confidence-weighted mean of its attributes for that criterion;
 * failing those, `cost` falls back to `cost.total` and `time` to `timeline.total`. Undefined when absent.
 */
export function readCriterion(
  alternative: DecisionAlternative,
  criterion: string,
): CriterionReading | undefined {
  const readings = alternative.attributes.filter((a) => a.criterion === criterion);
  if (readings.length > 0) {
    const confidences = readings.map((a) => a.confidence ?? 1);
    const confidence = confidences.reduce((s, c) => s + c, 0) / readings.length;
    // Weights relative to the most confident reading, so tiny confidences cannot underflow the mean.
    const top = Math.max(...confidences);
    if (readings.length === 1 || top <= 0)
      return { value: readings.reduce((s, a) => s + a.value, 0) / readings.length, confidence };
    const weights = confidences.map((c) => c / top);
    const total = weights.reduce((s, w) => s + w, 0);
    return { value: readings.reduce((s, a, k) => s + a.value * weights[k], 0) / total, confidence };
  }
  if (criterion === 'cost' && typeof alternative.cost?.total === 'number') {
    return { value: alternative.cost.total, confidence: alternative.cost.confidence ?? 1 };
  }
  if (criterion === 'time' && typeof alternative.timeline?.total === 'number') {
    return { value: alternative.timeline.total, confidence: 1 };
  }
  return undefined;
}
