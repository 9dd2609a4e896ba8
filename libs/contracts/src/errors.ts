/** Error codes of the wire contract. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'CONSENSUS_TIMEOUT',
  'NOT_LEADER',
  'SPLIT_BRAIN',
  'AGENT_CAPACITY_EXCEEDED',
  'CIRCUIT_OPEN',
  'QUORUM_NOT_MET',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Messages fixed by the contract for the codes that have one. */
export const CONTRACT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  CONSENSUS_TIMEOUT: 'Consensus timeout',
  SPLIT_BRAIN: 'Split brain detected',
  AGENT_CAPACITY_EXCEEDED: 'Agent capacity exceeded',
  CIRCUIT_OPEN: 'Circuit breaker open',
};

/** One offending field (or peer, or constraint) behind an error. */
export interface ErrorDetail {
  field: string;
  message: string;
  constraint?: string;
  value?: unknown;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

/** The reply shape of every failed request. */
export interface ErrorEnvelope {
  error: ErrorBody;
}

/** An error with a contract code; services turn it into an {@link ErrorEnvelope}. */
export class OssaError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = CONTRACT_MESSAGES[code] ?? code,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'OssaError';
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as ErrorBody).code === 'string';
}
