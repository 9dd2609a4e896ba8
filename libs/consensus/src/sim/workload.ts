// Key-value clients: one operation at a time, retried with the same session (clientId, requestId)
// until answered or abandoned; every operation is recorded for the linearizability check.
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

interface Client {
  id: string;
  nextRequestId: number;
  op: KvOperation | null;
  requestId: number;
  leaderGuess: NodeId | null;
  /** The pending retry follows a "not leader" answer, so it goes to the hinted leader. */
  retryHinted: boolean;
  retryAt: number;
  giveUpAt: number;
  idleUntil: number;
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
  ) {
    for (let i = 1; i <= clientCount; i++) this.clients.push(this.newClient(`c${i}`, false));
  }

  private newClient(id: string, oneShot: boolean): Client {
    return {
      id,
      nextRequestId: 1,
      op: null,
      requestId: 0,
      leaderGuess: null,
      retryHinted: false,
      retryAt: 0,
      giveUpAt: 0,
      idleUntil: 0,
      lastSeen: new Map(),
      oneShot,
    };
  }

  /** Starts a put from a dedicated client; returns its operation so the caller can watch for its answer. */
  probe(now: number, key: string): KvOperation {
    const c = this.newClient(`probe${this.clients.length}`, true);
    this.clients.push(c);
    this.begin(c, now, { kind: 'put', key, value: `${c.id}.1` });
    return c.op as KvOperation;
  }

  tick(now: number): void {
    for (const c of this.clients) {
      if (c.op) {
        if (now >= c.giveUpAt) {
          c.op = null;
          c.idleUntil = now + this.rng.range(0, this.timing.maxThink);
        } else if (now >= c.retryAt) {
          if (!c.retryHinted) c.leaderGuess = null;
          this.attempt(c, now);
        }
      } else if (this.active && !c.oneShot && now >= c.idleUntil) {
        this.begin(c, now, this.randomOp(c));
      }
    }
  }

  onResponse(res: ClientResponse, now: number): void {
    const c = this.clients.find((x) => x.id === res.clientId);
    if (!c || !c.op || c.op.id !== res.opId) return;
    if (!res.ok) {
      c.leaderGuess = res.leaderHint ?? null;
      c.retryHinted = true;
      c.retryAt = now + this.rng.range(1, 8);
      return;
    }
    const op = c.op;
    op.respond = ++this.clock;
    if (op.kind === 'read') {
      op.readValue = res.readValue ?? null;
      c.lastSeen.set(op.key, op.readValue);
    } else {
      op.result = res.result;
      c.lastSeen.set(op.key, res.result?.value ?? null);
    }
    c.op = null;
    c.idleUntil = now + this.rng.range(0, this.timing.maxThink);
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

  private begin(c: Client, now: number, op: Omit<KvOperation, 'id' | 'client' | 'invoke' | 'respond'>): void {
    c.op = { ...op, id: ++this.opSeq, client: c.id, invoke: ++this.clock, respond: null };
    c.requestId = c.nextRequestId++;
    c.giveUpAt = now + this.timing.giveUpAfter;
    this.history.push(c.op);
    this.attempt(c, now);
  }

  private attempt(c: Client, now: number): void {
    const op = c.op as KvOperation;
    const to = c.leaderGuess ?? this.rng.pick(this.nodes);
    c.retryAt = now + this.timing.attemptTimeout;
    c.retryHinted = false;
    const { kind, key, value, expected } = op;
    this.send(to, { clientId: c.id, opId: op.id, requestId: c.requestId, kind, key, value, expected });
  }

  completed(): number {
    return this.history.filter((op) => op.respond !== null).length;
  }
}
