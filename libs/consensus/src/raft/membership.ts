// Single-server membership changes (thesis §4.1), applied when their entry commits; a leader allows one at a time.
import { RaftError } from './errors';
import type { Raft } from './raft';
import type { ConfChange, ConfState, NodeId } from './types';

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

export function applyConfChange(r: Raft, cc: ConfChange, index: number): void {
  if (cc.type === 'addNode') r.voters.add(cc.nodeId);
  else r.voters.delete(cc.nodeId);
  r.confHistory.push({ index, voters: [...r.voters].sort() });
  if (r.role !== 'leader') return;
  if (cc.type === 'addNode' && cc.nodeId !== r.id && !r.progress.has(cc.nodeId)) {
    r.progress.set(cc.nodeId, r.newProgress());
    r.broadcastPending = 'all';
  }
  if (cc.type === 'removeNode') {
    r.progress.delete(cc.nodeId);
    if (r.leadTransferee === cc.nodeId) r.leadTransferee = null;
    // A leader that removed itself steps down once the change commits (thesis §4.2.2).
    if (cc.nodeId === r.id) return r.becomeFollower(r.term, null);
    r.broadcastPending = 'all';
  }
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
