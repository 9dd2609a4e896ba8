// Commands and results of the coordination ledger, the key-value state machine replicated by Raft.

export type { LedgerCommand, LedgerOp } from '@ossa/contracts/vocabulary';

export interface LedgerResult {
  /** Whether the command changed state (always true for put/delete, true for cas only on a match). */
  applied: boolean;
  /** The key's value after the command. */
  value: string | null;
  /** The key's value before the command. */
  previous?: string | null;
  /** True when the answer came from the session cache instead of applying again. */
  duplicate?: boolean;
  /** True when the client's session was evicted: nothing was applied; start a new session (a new clientId). */
  sessionExpired?: boolean;
}

export interface LedgerSession {
  requestId: number | string;
  result: LedgerResult;
  /** Raft index that last touched the session; the least recently used session is evicted first. */
  lastIndex: number;
  /** With firstOutstanding: the answers to requests at or above `floor`, by request id. */
  answers?: [number, LedgerResult][];
  /** The highest firstOutstanding the client has sent: requests below it have their answers. */
  floor?: number;
}
