// The shape and sanity check every message from the network passes before it is stepped: a message that
// fails it is dropped with a reason (Raft treats a dropped message as an ordinary lost one).
import type { Entry, Message, MessageType, NodeId, Snapshot } from './types';

/** Why a peer message was dropped; a small fixed set so hosts can count drops by reason. */
export type PeerDropReason =
  'undecodable' | 'shape' | 'range' | 'unknown_sender' | 'forged_sender' | 'wrong_recipient' | 'oversize';

export const PEER_DROP_REASONS: readonly PeerDropReason[] = [
  'undecodable',
  'shape',
  'range',
  'unknown_sender',
  'forged_sender',
  'wrong_recipient',
  'oversize',
];

export type PeerCheck =
  { ok: true; message: Message } | { ok: false; reason: PeerDropReason; detail: string };

export interface PeerCheckContext {
  /** This replica: every accepted message is addressed to it. */
  self: NodeId;
  /** Replicas allowed to send (configured peers and current voters). */
  peers: { has(id: NodeId): boolean };
  /**
   * The replica the transport proved sent it (the sender token of the peer subject, which the NATS server lets
   * each replica fill only with its own id). When given, a message whose `from` differs is forged.
   */
  sender?: NodeId;
  /** Most entries one message may carry. Default 100,000. */
  maxEntries?: number;
}

/** Every Raft message type, in a fixed order (a binary encoding may use the position). */
export const MESSAGE_TYPE_LIST: readonly MessageType[] = [
  'appendEntries',
  'appendEntriesResponse',
  'requestVote',
  'requestVoteResponse',
  'requestPreVote',
  'requestPreVoteResponse',
  'heartbeat',
  'heartbeatResponse',
  'installSnapshot',
  'timeoutNow',
  'readIndex',
  'readIndexResponse',
];
const MESSAGE_TYPES: ReadonlySet<MessageType> = new Set(MESSAGE_TYPE_LIST);
const FIELDS = new Set([
  'type',
  'from',
  'to',
  'term',
  'index',
  'logTerm',
  'commit',
  'entries',
  'reject',
  'rejectHint',
  'snapshot',
  'context',
]);
const NODE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_CONTEXT = 512;
const MAX_VOTERS = 1024;

class Drop {
  constructor(
    readonly reason: PeerDropReason,
    readonly detail: string,
  ) {}
}

const drop = (reason: PeerDropReason, detail: string): never => {
  throw new Drop(reason, detail);
};

/**
 * Checks a decoded peer message: addressed to this replica by a configured peer, every field of the right
 * shape, terms and indexes safe non-negative integers, entries contiguous after prevLogIndex and no newer
 * than the message's term, a snapshot well formed. Returns the message as the core's type, or why not.
 */
export function checkPeerMessage(candidate: unknown, ctx: PeerCheckContext): PeerCheck {
  try {
    return { ok: true, message: check(candidate, ctx) };
  } catch (err) {
    if (err instanceof Drop) return { ok: false, reason: err.reason, detail: err.detail };
    throw err;
  }
}

function check(m: unknown, ctx: PeerCheckContext): Message {
  if (!isRecord(m)) return drop('shape', 'message is not an object');
  for (const key of Object.keys(m)) if (!FIELDS.has(key)) drop('shape', `unknown field ${key}`);
  if (typeof m.type !== 'string' || !MESSAGE_TYPES.has(m.type as MessageType))
    drop('shape', 'type is not a Raft message type');
  const from = nodeId(m.from, 'from');
  const to = nodeId(m.to, 'to');
  if (!ctx.peers.has(from) || from === ctx.self) drop('unknown_sender', `from ${from} is not a peer`);
  if (ctx.sender !== undefined && from !== ctx.sender)
    drop('forged_sender', `from ${from} but sent by ${ctx.sender}`);
  if (to !== ctx.self) drop('wrong_recipient', `to ${to} is not this replica`);
  const message: Message = { type: m.type as MessageType, from, to, term: count(m.term, 'term') };
  if (m.index !== undefined) message.index = count(m.index, 'index');
  if (m.logTerm !== undefined) message.logTerm = count(m.logTerm, 'logTerm');
  if (m.commit !== undefined) message.commit = count(m.commit, 'commit');
  if (m.rejectHint !== undefined) message.rejectHint = count(m.rejectHint, 'rejectHint');
  if (m.reject !== undefined) {
    if (typeof m.reject !== 'boolean') drop('shape', 'reject is not a boolean');
    message.reject = m.reject as boolean;
  }
  if (m.context !== undefined) {
    if (typeof m.context !== 'string') drop('shape', 'context is not a string');
    if ((m.context as string).length > MAX_CONTEXT)
      drop('oversize', `context over ${MAX_CONTEXT} characters`);
    message.context = m.context as string;
  }
  required(message, m.entries !== undefined, m.snapshot !== undefined);
  if (m.entries !== undefined) message.entries = entries(m.entries, message, ctx.maxEntries ?? 100_000);
  if (m.snapshot !== undefined) message.snapshot = snapshot(m.snapshot, message.term);
  return message;
}

/** Fields each type cannot do without, and fields only one type may carry. */
function required(m: Message, hasEntries: boolean, hasSnapshot: boolean): void {
  const need = (field: keyof Message) => {
    if (m[field] === undefined) drop('shape', `${m.type} without ${field}`);
  };
  if (m.type === 'appendEntries') ['index', 'logTerm', 'commit'].forEach((f) => need(f as keyof Message));
  if (m.type === 'requestVote' || m.type === 'requestPreVote') {
    need('index');
    need('logTerm');
  }
  if (m.type === 'heartbeat') need('commit');
  if (m.type === 'installSnapshot' && !hasSnapshot) drop('shape', 'installSnapshot without snapshot');
  if (m.type === 'readIndex' || m.type === 'readIndexResponse') need('context');
  if (m.type === 'readIndexResponse' || m.type === 'appendEntriesResponse') need('index');
  if (hasEntries && m.type !== 'appendEntries') drop('shape', `${m.type} with entries`);
  if (hasSnapshot && m.type !== 'installSnapshot') drop('shape', `${m.type} with a snapshot`);
  if (m.type === 'appendEntries' && m.logTerm! > m.term) drop('range', 'logTerm above the message term');
  if ((m.type === 'requestVote' || m.type === 'requestPreVote') && m.logTerm! > m.term)
    drop('range', 'candidate lastLogTerm above its term');
}

function entries(value: unknown, m: Message, maxEntries: number): Entry[] {
  if (!Array.isArray(value)) return drop('shape', 'entries is not an array');
  if (value.length > maxEntries) drop('oversize', `more than ${maxEntries} entries`);
  const prevIndex = m.index ?? 0;
  let prevTerm = m.logTerm ?? 0;
  return value.map((e: unknown, i) => {
    if (!isRecord(e)) return drop('shape', `entries[${i}] is not an object`);
    for (const key of Object.keys(e))
      if (key !== 'index' && key !== 'term' && key !== 'type' && key !== 'data')
        drop('shape', `entries[${i}] has unknown field ${key}`);
    const index = count(e.index, `entries[${i}].index`);
    const term = count(e.term, `entries[${i}].term`);
    // Log Matching: entries follow prevLogIndex one by one, with terms that never go back nor pass the leader's.
    if (index !== prevIndex + i + 1)
      drop('range', `entries[${i}].index ${index} does not follow ${prevIndex + i}`);
    if (term < prevTerm || term > m.term || term === 0)
      drop('range', `entries[${i}].term ${term} out of order`);
    prevTerm = term;
    if (e.type !== 'normal' && e.type !== 'confChange')
      drop('shape', `entries[${i}].type is not normal or confChange`);
    if (!(e.data instanceof Uint8Array)) drop('shape', `entries[${i}].data is not bytes`);
    return { index, term, type: e.type as Entry['type'], data: e.data as Uint8Array };
  });
}

function snapshot(value: unknown, messageTerm: number): Snapshot {
  if (!isRecord(value) || !isRecord(value.metadata)) return drop('shape', 'snapshot without metadata');
  if (!(value.data instanceof Uint8Array)) drop('shape', 'snapshot.data is not bytes');
  const md = value.metadata;
  const index = count(md.index, 'snapshot.metadata.index');
  const term = count(md.term, 'snapshot.metadata.term');
  if (term > messageTerm) drop('range', 'snapshot term above the message term');
  if (!isRecord(md.confState) || !Array.isArray(md.confState.voters))
    drop('shape', 'snapshot.metadata.confState.voters is not an array');
  const raw = (md.confState as { voters: unknown[] }).voters;
  if (raw.length === 0 || raw.length > MAX_VOTERS) drop('range', 'snapshot voters empty or too many');
  const voters = raw.map((v, i) => nodeId(v, `snapshot.metadata.confState.voters[${i}]`));
  return { metadata: { index, term, confState: { voters } }, data: value.data as Uint8Array };
}

function nodeId(value: unknown, field: string): NodeId {
  if (typeof value !== 'string' || !NODE_ID.test(value)) drop('shape', `${field} is not a replica id`);
  return value as NodeId;
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number') return drop('shape', `${field} is not a number`);
  if (!Number.isSafeInteger(value) || value < 0)
    drop('range', `${field} ${value} is not a safe non-negative integer`);
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
