// Key-value clients: one or several operations in flight (a window), each retried with the same session
// (clientId, requestId) until answered or abandoned; requests carry firstOutstanding (thesis §6.3); every
// operation is recorded for the linearizability check.
import type { NodeId } from '../raft/types';
import type { KvOperation } from './linearizability';
import type { Prng } from './prng';
import type { ClientRequest, ClientResponse } from './types';

export interface ClientTiming {
  /** Steps before an unanswered attempt is retried on another replica. */
  attemptTimeout: number;
  /** Steps before the operation is abandoned (it stays in the history with no response). */
  giveUpAfter: number;
  maxThink: number;
}

/** One operation in flight: a slot of a client's window. */
interface Slot {
  op: KvOperation | null;
  requestId: number;
  retryHinted: boolean;
  retryAt: number;
  giveUpAt: number;
  idleUntil: number;
}

interface Client {
  id: string;
  nextRequestId: number;
  slots: Slot[];
  leaderGuess: NodeId | null;
  lastSeen: Map<string, string | null>;
  /** Only issue the one operation given to it (the progress probe). */
  oneShot: boolean;
}

export class Workload {
  readonly history: KvOperation[] = [];
  private clients: Client[] = [];
  private opSeq = 0;
  /** Logical clock shared by all invocations and responses: orders the history exactly. */
  private clock = 0;
  active = true;

  constructor(
    private readonly rng: Prng,
    private readonly nodes: NodeId[],
    private readonly keys: string[],
    clientCount: number,
    private readonly timing: ClientTiming,
    private readonly send: (to: NodeId, req: ClientRequest) => void,
    private readonly readShare = 0.3,
    /** Chance that a written value is padded to a few KiB (large values against byte-capped messages). */
    private readonly largeValueRate = 0,
    /** Operations each client keeps in flight at most. */
    private readonly window = 1,
  ) {
    for (let i = 1; i <= clientCount; i++) this.clients.push(this.newClient(`c${i}`, false, window));
  }

  private newClient(id: string, oneShot: boolean, window: number): Client {
    const slots = Array.from({ length: window }, () => ({
      op: null,
      requestId: 0,
      retryHinted: false,
      retryAt: 0,
      giveUpAt: 0,
      idleUntil: 0,
    }));
    return { id, nextRequestId: 1, slots, leaderGuess: null, lastSeen: new Map(), oneShot };
  }

  /** Starts a put from a dedicated client; returns its operation so the caller can watch for its answer. */
  probe(now: number, key: string): KvOperation {
    const c = this.newClient(`probe${this.clients.length}`, true, 1);
    this.clients.push(c);
    this.begin(c, c.slots[0], now, { kind: 'put', key, value: `${c.id}.1` });
    return c.slots[0].op as KvOperation;
  }

  tick(now: number): void {
    for (const c of this.clients) {
      for (const slot of c.slots) {
        if (slot.op) {
          if (now >= slot.giveUpAt) {
            slot.op = null;
            slot.idleUntil = now + this.rng.range(0, this.timing.maxThink);
          } else if (now >= slot.retryAt) {
            if (!slot.retryHinted) c.leaderGuess = null;
            this.attempt(c, slot, now);
          }
        } else if (this.active && !c.oneShot && now >= slot.idleUntil) {
          this.begin(c, slot, now, this.randomOp(c));
        }
      }
    }
  }

  onResponse(res: ClientResponse, now: number): void {
    const c = this.clients.find((x) => x.id === res.clientId);
    const slot = c?.slots.find((s) => s.op?.id === res.opId);
    if (!c || !slot || !slot.op) return;
    if (!res.ok) {
      c.leaderGuess = res.leaderHint ?? null;
      slot.retryHinted = true;
      slot.retryAt = now + this.rng.range(1, 8);
      return;
    }
    const op = slot.op;
    op.respond = ++this.clock;
    if (op.kind === 'read') {
      op.readValue = res.readValue ?? null;
      c.lastSeen.set(op.key, op.readValue);
    } else {
      op.result = res.result;
      c.lastSeen.set(op.key, res.result?.value ?? null);
    }
    slot.op = null;
    slot.idleUntil = now + this.rng.range(0, this.timing.maxThink);
  }

  private randomOp(c: Client): Omit<KvOperation, 'id' | 'client' | 'invoke' | 'respond'> {
    const key = this.rng.pick(this.keys);
    const name = `${c.id}.${c.nextRequestId}`;
    const value = this.rng.chance(this.largeValueRate) ? name.padEnd(this.rng.range(1024, 8192), '~') : name;
    const roll = this.rng.next();
    if (roll < this.readShare) return { kind: 'read', key };
    const w = (1 - this.readShare) / 0.7;
    if (roll < this.readShare + 0.3 * w) return { kind: 'put', key, value };
    if (roll < this.readShare + 0.6 * w) {
      const seen = c.lastSeen.get(key);
      const expected = this.rng.chance(0.7) && seen !== undefined && seen !== null ? seen : undefined;
      return { kind: 'cas', key, value, expected };
    }
    return { kind: 'delete', key };
  }

  private begin(
    c: Client,
    slot: Slot,
    now: number,
    op: Omit<KvOperation, 'id' | 'client' | 'invoke' | 'respond'>,
  ): void {
    slot.op = { ...op, id: ++this.opSeq, client: c.id, invoke: ++this.clock, respond: null };
    slot.requestId = c.nextRequestId++;
    slot.giveUpAt = now + this.timing.giveUpAfter;
    this.history.push(slot.op);
    this.attempt(c, slot, now);
  }

  private attempt(c: Client, slot: Slot, now: number): void {
    const op = slot.op as KvOperation;
    const to = c.leaderGuess ?? this.rng.pick(this.nodes);
    slot.retryAt = now + this.timing.attemptTimeout;
    slot.retryHinted = false;
    const { kind, key, value, expected } = op;
    // With several in flight the lowest unanswered request id tells the session which answers to keep.
    const firstOutstanding =
      c.slots.length > 1 ? Math.min(...c.slots.filter((s) => s.op).map((s) => s.requestId)) : undefined;
    this.send(to, {
      clientId: c.id,
      opId: op.id,
      requestId: slot.requestId,
      firstOutstanding,
      kind,
      key,
      value,
      expected,
    });
  }

  completed(): number {
    return this.history.filter((op) => op.respond !== null).length;
  }
}
