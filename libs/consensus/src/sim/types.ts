// Options, client wire shapes and results of a simulation run.
import type { LedgerResult } from '../ledger/types';
import type { TestingBugs } from '../raft/types';
import type { KvOpKind } from './linearizability';

export interface SimOptions {
  seed: number;
  /** Replica count; when absent the seed picks 3 or 5. */
  nodes?: number;
  /** Steps of the fault phase; the heal phase follows. */
  steps?: number;
  bugs?: TestingBugs;
  /** Host-level bug: answer reads from local state without ReadIndex (must be caught as non-linearizable). */
  staleReads?: boolean;
  /** Ledger bug: apply a retried request again instead of answering from its session. */
  noSessions?: boolean;
  /** Keep the last trace lines for a failure report. */
  trace?: boolean;
}

export interface ClientRequest {
  clientId: string;
  opId: number;
  requestId: number;
  /** With several requests in flight: the client's lowest unanswered request id (thesis §6.3). */
  firstOutstanding?: number;
  kind: KvOpKind;
  key: string;
  value?: string;
  expected?: string;
}

export interface ClientResponse {
  clientId: string;
  opId: number;
  ok: boolean;
  leaderHint?: string | null;
  result?: LedgerResult;
  readValue?: string | null;
}

export interface SimStats {
  steps: number;
  messages: number;
  elections: number;
  crashes: number;
  partitions: number;
  snapshotsSent: number;
  membershipChanges: number;
  transfers: number;
  operations: number;
  completed: number;
  committed: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  nodes: number;
  /** The fault profile the seed drew (calm, network or storm). */
  profile: string;
  violation?: { invariant: string; message: string; step: number };
  stats: SimStats;
  trace: string[];
}
