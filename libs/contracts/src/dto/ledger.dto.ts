/** A command of the coordination ledger, the key-value state machine replicated by the consensus service. */
export interface LedgerCommand {
  op: 'put' | 'cas' | 'delete';
  key: string;
  value?: string;
  /** For `cas`: the value the key must hold now; absent means "no value yet". */
  expected?: string;
  clientId?: string;
  requestId?: number;
  /** With several requests in flight: the lowest request id this client has no answer for yet. */
  firstOutstanding?: number;
}

/** `ossa.consensus.propose` reply. */
export interface LedgerProposeReply {
  index: number;
  term: number;
  /** The replica that led when the command committed: clients may send their next command straight to it. */
  leader?: string;
  result: { applied: boolean; value: string | null };
}

/** What a service that records an outcome in the ledger reports about it. */
export interface LedgerRecord {
  committed: boolean;
  /** The consensus algorithm the request asked for, if any. */
  requested?: string;
  /** The algorithm that agreed on the record, or null when none was reachable. */
  used: string | null;
  key: string;
  index?: number;
  term?: number;
  /** Why it was not committed, or why another algorithm than the requested one was used. */
  note?: string;
}
