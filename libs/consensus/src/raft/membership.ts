// Single-server membership changes (thesis §4.1), in force once in the log; a leader allows one at a time.
import { RaftError } from './errors';
import type { Raft } from './raft';
import type { ConfChange, ConfState, Entry, NodeId } from './types';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify({ type: cc.type, nodeId: cc.nodeId }));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  return JSON.parse(decoder.decode(data)) as ConfChange;
}

export function validateConfChange(voters: Set<NodeId>, cc: ConfChange): RaftError | null {
  if (cc.type === 'addNode' && voters.has(cc.nodeId)) {
    return new RaftError('INVALID_CONF_CHANGE', `${cc.nodeId} is already a voter`, { nodeId: cc.nodeId });
  }
  if (cc.type === 'removeNode' && !voters.has(cc.nodeId)) {
    return new RaftError('INVALID_CONF_CHANGE', `${cc.nodeId} is not a voter`, { nodeId: cc.nodeId });
  }
  if (cc.type === 'removeNode' && voters.size === 1) {
    return new RaftError('INVALID_CONF_CHANGE', `cannot remove the last voter ${cc.nodeId}`, {
      nodeId: cc.nodeId,
    });
  }
  return null;
}

/**
 * Thesis §4.1: "a server always uses the latest configuration in its log, regardless of whether the entry
 * is committed". Called for every append: drops configurations from truncated entries, adds those of the
 * appended ones, and sets the voters (and a leader's progress) to the latest.
 */
export function followLogConfiguration(r: Raft, entries: Entry[]): void {
  const first = entries[0].index;
  const before = r.confHistory.length;
  r.confHistory = r.confHistory.filter((c, i) => i === 0 || c.index < first);
  let changed = r.confHistory.length !== before;
  for (const e of entries) {
    if (e.type !== 'confChange') continue;
    const voters = new Set(r.confHistory[r.confHistory.length - 1].voters);
    const cc = decodeConfChange(e.data);
    if (cc.type === 'addNode') voters.add(cc.nodeId);
    else voters.delete(cc.nodeId);
    r.confHistory.push({ index: e.index, voters: [...voters].sort() });
    changed = true;
  }
  if (changed) useConfiguration(r, r.confHistory[r.confHistory.length - 1].voters);
}

function useConfiguration(r: Raft, voters: NodeId[]): void {
  r.voters = new Set(voters);
  if (r.role !== 'leader') return;
  for (const id of voters)
    if (id !== r.id && !r.progress.has(id)) {
      r.progress.set(id, r.newProgress());
      r.broadcastPending = 'all';
    }
  for (const id of [...r.progress.keys()])
    if (!r.voters.has(id)) {
      r.progress.delete(id);
      if (r.leadTransferee === id) r.leadTransferee = null;
    }
}

/** A committed removal of this leader: it steps down once the change commits (thesis §4.2.2). */
export function onConfChangeCommitted(r: Raft, cc: ConfChange): void {
  if (r.role === 'leader' && cc.type === 'removeNode' && cc.nodeId === r.id) r.becomeFollower(r.term, null);
}

/** The voter set in force at `index` (used for the snapshot taken there). */
export function confStateAt(r: Raft, index: number): ConfState {
  let voters = r.confHistory[0].voters;
  for (const c of r.confHistory) if (c.index <= index) voters = c.voters;
  return { voters: [...voters] };
}

/** Forgets voter sets superseded before the compaction point. */
export function pruneConfHistory(r: Raft, index: number): void {
  const keepFrom = r.confHistory.reduce((at, c, i) => (c.index <= index ? i : at), 0);
  r.confHistory = r.confHistory.slice(keepFrom);
}
