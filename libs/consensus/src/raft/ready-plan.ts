// How a host handles one Ready, written once: the simulator and the replica service both run these steps
// in this order, so the simulator checks the ordering production uses.
import type { Entry, HardState, Message, ReadState, Ready, Snapshot } from './types';

export type ReadyStep =
  /** Apply committed entries to the state machine and answer their clients. */
  | { kind: 'apply'; entries: Entry[] }
  /** Write durably (fsync when `sync`): the snapshot first, then entries and hard state together. */
  | { kind: 'persist'; snapshot?: Snapshot; entries: Entry[]; hardState?: HardState; sync: boolean }
  /**
   * Send each message on its own; a failed send is a lost message. `beforePersist`: the leader's replication
   * messages, sent while its own write runs (thesis §10.2.1).
   */
  | { kind: 'send'; messages: Message[]; beforePersist: boolean }
  /** Replace the state machine with a snapshot from the leader. */
  | { kind: 'restore'; snapshot: Snapshot }
  /** Serve the read states once applied, then advance the core. */
  | { kind: 'finish'; readStates: ReadState[] };

/** What the host's log holds durably, before this Ready. */
export interface DurableLog {
  lastIndex: number;
  term(index: number): number | undefined;
}

/** Messages only a leader sends, carrying its log: they may leave before the leader's own write is durable. */
const LEADER_REPLICATION: ReadonlySet<Message['type']> = new Set([
  'appendEntries',
  'heartbeat',
  'installSnapshot',
]);

/**
 * The steps for one Ready. Raft's rule is persist before send (a vote or an acknowledgement must survive a
 * crash), with one exception (thesis §10.2.1): the leader's AppendEntries, heartbeats and snapshots go out
 * first, while it writes its own new entries, because the core counts the leader in the quorum only once
 * advance() reports the write durable. That exception never covers a Ready that changes term or vote
 * (`hardStateSync`): those are durable before anything is sent.
 *
 * Committed entries the log already holds durably may be applied first — before the new entries are written
 * and the remaining messages sent: a majority holds them, they are durable here, and new entries never
 * overwrite committed ones. Under steady load this takes one disk write off every commit's path.
 */
export function planReady(rd: Ready, durable: DurableLog): ReadyStep[] {
  const steps: ReadyStep[] = [];
  const last = rd.committedEntries[rd.committedEntries.length - 1];
  const applyFirst =
    last !== undefined &&
    !rd.snapshot &&
    last.index <= durable.lastIndex &&
    durable.term(last.index) === last.term &&
    (rd.entries.length === 0 || rd.entries[0].index > last.index);
  const persist = rd.snapshot !== undefined || rd.entries.length > 0 || rd.hardState !== undefined;
  let early: Message[] = [];
  let late = rd.messages;
  if (persist && !rd.hardStateSync && !rd.snapshot) {
    early = rd.messages.filter((m) => LEADER_REPLICATION.has(m.type));
    late = early.length === 0 ? rd.messages : rd.messages.filter((m) => !LEADER_REPLICATION.has(m.type));
  }
  if (early.length > 0) steps.push({ kind: 'send', messages: early, beforePersist: true });
  if (applyFirst) steps.push({ kind: 'apply', entries: rd.committedEntries });
  if (persist)
    steps.push({
      kind: 'persist',
      snapshot: rd.snapshot,
      entries: rd.entries,
      hardState: rd.hardState,
      sync: rd.mustSync,
    });
  if (late.length > 0) steps.push({ kind: 'send', messages: late, beforePersist: false });
  if (rd.snapshot) steps.push({ kind: 'restore', snapshot: rd.snapshot });
  if (!applyFirst && rd.committedEntries.length > 0)
    steps.push({ kind: 'apply', entries: rd.committedEntries });
  steps.push({ kind: 'finish', readStates: rd.readStates });
  return steps;
}
