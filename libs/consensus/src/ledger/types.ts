// Commands and results of the coordination ledger, the key-value state machine replicated by Raft.

export type LedgerOp = 'put' | 'cas' | 'delete';

export interface LedgerCommand {
  op: LedgerOp;
  key: string;
  value?: string;
  /** For cas: the value the key must hold now; absent means "the key has no value yet". */
  expected?: string;
  /** Client session (thesis §6.3): a retried (clientId, requestId) is applied once and answered from the cache. */
  clientId?: string;
  requestId?: number | string;
  /**
   * For clients with several requests in flight (numeric ids): the lowest request id the client has no answer
   * for yet. The session then keeps an answer for every request from there on, so requests applied out of
   * their sending order are each applied once; without it the client is taken to send one at a time.
   */
  firstOutstanding?: number;
}

export interface LedgerResult {
  /** Whether the command changed state (always true for put/delete, true for cas only on a match). */
  applied: boolean;
  /** The key's value after the command. */
  value: string | null;
  /** The key's value before the command. */
  previous?: string | null;
  /** True when the answer came from the session cache instead of applying again. */
  duplicate?: boolean;
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
