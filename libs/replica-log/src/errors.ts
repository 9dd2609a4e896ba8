// Errors of the replica-log adapters; Raft-level range errors (COMPACTED, UNAVAILABLE, LOG_GAP) stay RaftErrors.

export type ReplicaLogErrorCode =
  /** The stored log is damaged in a way recovery will not repair on its own. */
  | 'LOG_CORRUPT'
  /** The adapter was closed; open a new one on the same storage. */
  | 'LOG_CLOSED'
  /** An earlier write failed, so memory and storage may disagree; reopen to recover from storage. */
  | 'LOG_FAILED';

export class ReplicaLogError extends Error {
  constructor(
    readonly code: ReplicaLogErrorCode,
    message: string,
    readonly details: { path?: string; offset?: number; index?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.name = 'ReplicaLogError';
  }
}
