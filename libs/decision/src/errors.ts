// Typed errors; `code` is the contract error code the service replies with.

export type DecisionErrorCode = 'VALIDATION_FAILED' | 'QUORUM_NOT_MET';

export interface FieldProblem {
  path: string;
  message: string;
}

export abstract class DecisionError extends Error {
  abstract readonly code: DecisionErrorCode;
  abstract readonly details: object;
}

export class DecisionValidationError extends DecisionError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly details: { fields: FieldProblem[] };
  constructor(fields: FieldProblem[]) {
    super(`Invalid decision request: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`);
    this.name = 'DecisionValidationError';
    this.details = { fields };
  }
}

/** AHP pairwise judgements too inconsistent to use (Saaty: consistency ratio above 0.1). */
export class InconsistentPairwiseError extends DecisionError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly details: { fields: FieldProblem[]; consistencyRatio: number; limit: number };
  constructor(consistencyRatio: number, limit = 0.1) {
    const message = `consistency ratio ${consistencyRatio.toFixed(3)} exceeds ${limit}; revise the pairwise judgements`;
    super(`Invalid decision request: analysis.pairwise.criteria ${message}`);
    this.name = 'InconsistentPairwiseError';
    this.details = { fields: [{ path: 'analysis.pairwise.criteria', message }], consistencyRatio, limit };
  }
}

export interface QuorumMissing {
  requirement: 'minimum' | 'percentage' | 'stakeholder_types' | 'expertise_threshold';
  required: number | string[];
  actual: number | string[];
  message: string;
}

export class QuorumNotMetError extends DecisionError {
  readonly code = 'QUORUM_NOT_MET' as const;
  readonly details: { missing: QuorumMissing[] };
  constructor(missing: QuorumMissing[]) {
    super(`Quorum not met: ${missing.map((m) => m.message).join('; ')}`);
    this.name = 'QuorumNotMetError';
    this.details = { missing };
  }
}
