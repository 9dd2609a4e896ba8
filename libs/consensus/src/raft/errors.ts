import type { NodeId } from './types';

export type RaftErrorCode =
  | 'NOT_LEADER'
  | 'TRANSFER_IN_PROGRESS'
  | 'CONF_CHANGE_PENDING'
  | 'INVALID_CONF_CHANGE'
  | 'INVALID_TRANSFER'
  | 'COMPACTED'
  | 'UNAVAILABLE'
  | 'LOG_GAP'
  | 'INVALID_SNAPSHOT';

/** An error value with a contract code, a message a person can act on, and details naming the offending peer or index. */
export class RaftError extends Error {
  constructor(
    readonly code: RaftErrorCode,
    message: string,
    readonly details: { leader?: NodeId | null; nodeId?: NodeId; index?: number } = {},
  ) {
    super(message);
    this.name = 'RaftError';
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: RaftError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(error: RaftError): Result<T> => ({ ok: false, error });
