// A Wing & Gong / Lowe linearizability checker for the key-value history, one key at a time.
// Each operation touches one key, so the history is linearizable iff every per-key sub-history is
// (linearizability is local: Herlihy & Wing 1990, Theorem 1).
import type { LedgerResult } from '../ledger/types';

export type KvOpKind = 'put' | 'cas' | 'delete' | 'read';

export interface KvOperation {
  id: number;
  client: string;
  kind: KvOpKind;
  key: string;
  value?: string;
  expected?: string;
  /** Logical times from one global counter; respond is null for an operation that never answered. */
  invoke: number;
  respond: number | null;
  result?: LedgerResult;
  /** For reads: the value returned. */
  readValue?: string | null;
}

type State = string | null;

/** The sequential specification of one key: returns the next state, or null if the output is impossible. */
function stepModel(state: State, op: KvOperation): { state: State } | null {
  const r = op.result;
  switch (op.kind) {
    case 'read':
      return op.respond === null || op.readValue === state ? { state } : null;
    case 'put': {
      const next = op.value ?? '';
      if (r && (!r.applied || r.value !== next || (r.previous !== undefined && r.previous !== state)))
        return null;
      return { state: next };
    }
    case 'delete':
      if (r && (!r.applied || r.value !== null || (r.previous !== undefined && r.previous !== state)))
        return null;
      return { state: null };
    case 'cas': {
      const matches = state === (op.expected ?? null);
      const next = matches ? (op.value ?? null) : state;
      if (
        r &&
        (r.applied !== matches || r.value !== next || (r.previous !== undefined && r.previous !== state))
      )
        return null;
      return { state: next };
    }
  }
}

interface Node {
  op: KvOperation;
  isCall: boolean;
  match: Node | null;
  prev: Node | null;
  next: Node | null;
}

export interface LinearizabilityResult {
  ok: boolean;
  /** The key whose history admits no linearization. */
  key?: string;
  explored: number;
}

export function checkLinearizable(history: KvOperation[], initial: State = null): LinearizabilityResult {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of history) {
    // A read that never answered has no observable effect.
    if (op.kind === 'read' && op.respond === null) continue;
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  let explored = 0;
  for (const key of [...byKey.keys()].sort()) {
    const r = checkKey(byKey.get(key) as KvOperation[], initial);
    explored += r.explored;
    if (!r.ok) return { ok: false, key, explored };
  }
  return { ok: true, explored };
}

function buildList(ops: KvOperation[]): { head: Node; returns: number } {
  const events: { time: number; node: Node }[] = [];
  let returns = 0;
  for (const op of ops) {
    const call: Node = { op, isCall: true, match: null, prev: null, next: null };
    events.push({ time: op.invoke, node: call });
    if (op.respond !== null) {
      const ret: Node = { op, isCall: false, match: null, prev: null, next: null };
      call.match = ret;
      events.push({ time: op.respond, node: ret });
      returns++;
    }
  }
  events.sort((a, b) => a.time - b.time);
  const head: Node = { op: ops[0], isCall: false, match: null, prev: null, next: null };
  let tail = head;
  for (const { node } of events) {
    tail.next = node;
    node.prev = tail;
    tail = node;
  }
  return { head, returns };
}

function lift(call: Node): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match;
  if (ret) {
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  }
}

function unlift(call: Node): void {
  const ret = call.match;
  if (ret) {
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
  }
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function checkKey(ops: KvOperation[], initial: State): { ok: boolean; explored: number } {
  const index = new Map(ops.map((op, i) => [op, i]));
  const { head, returns } = buildList(ops);
  let remaining = returns;
  let state: State = initial;
  let linearized = 0n;
  const cache = new Set<string>();
  const stack: { call: Node; state: State }[] = [];
  let entry = head.next;
  let explored = 0;
  while (remaining > 0) {
    if (entry === null) return { ok: false, explored };
    explored++;
    if (entry.isCall) {
      const next = stepModel(state, entry.op);
      if (next) {
        const bits = linearized | (1n << BigInt(index.get(entry.op) as number));
        const key = `${bits.toString(36)}|${JSON.stringify(next.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: entry, state });
          state = next.state;
          linearized = bits;
          if (entry.match) remaining--;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A return whose call is not linearized yet: undo the most recent choice.
      const top = stack.pop();
      if (!top) return { ok: false, explored };
      state = top.state;
      linearized &= ~(1n << BigInt(index.get(top.call.op) as number));
      if (top.call.match) remaining++;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { ok: true, explored };
}
