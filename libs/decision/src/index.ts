// Public API of the decision core: pure functions over the wire-form decision request.
export { makeDecision, type DecideOptions } from './engine';
export {
  DecisionError,
  DecisionValidationError,
  InconsistentPairwiseError,
  QuorumNotMetError,
} from './errors';
export type { DecisionErrorCode, FieldProblem, QuorumMissing } from './errors';
export { validateRequest, type Problem, type CriterionModel } from './validate';
export { COUNT_LIMITS, countLimitProblems, type CountLimit } from './limits';
export { defaultDirection } from './criteria';
export { confidenceFrom } from './confidence';
export {
  pairwiseWeights,
  ahpCriteriaWeights,
  randomIndex,
  CONSISTENCY_LIMIT,
  type AhpWeights,
} from './mcda/ahp';
export { topsis, type TopsisResult } from './mcda/topsis';
export { weightedSum } from './mcda/weighted-sum';
export * from './types';
export type * from './result';
