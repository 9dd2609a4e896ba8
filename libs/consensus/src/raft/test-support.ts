// Helpers for the Raft specs: building replicas in a known state and a lossless in-memory network.
import { Prng } from '../sim/prng';
import { Raft } from './raft';
import type { Entry, Message, NodeId, PersistedState, RaftConfig, Ready } from './types';

export const ELECTION = 10;
export const HEARTBEAT = 1;

export type Options = Partial<Omit<RaftConfig, 'id' | 'voters'>>;

export function entry(index: number, term: number, text = ''): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(text) };
}

/** Entries 1..n whose terms are given in order. */
export function logOfTerms(terms: number[]): Entry[] {
  return terms.map((t, i) => entry(i + 1, t));
}

export function newRaft(
  id: NodeId,
  voters: NodeId[],
  options: Options = {},
  persisted?: PersistedState,
): Raft {
  const config: RaftConfig = {
    id,
    voters,
    electionTick: ELECTION,
    heartbeatTick: HEARTBEAT,
    random: new Prng(hash(id)),
    ...options,
  };
  return new Raft(config, persisted);
}

/** A replica restarted with the given persisted log and term. */
export function raftWithLog(
  id: NodeId,
  voters: NodeId[],
  terms: number[],
  term: number,
  options: Options = {},
): Raft {
  return newRaft(id, voters, options, {
    hardState: { term, vote: null, commit: 0 },
    snapshot: null,
    entries: logOfTerms(terms),
  });
}

/** Takes the Ready as a host would (pretending to persist and apply everything) and returns it. */
export function takeReady(r: Raft): Ready {
  const rd = r.ready();
  r.advance(rd);
  return rd;
}

export function takeMessages(r: Raft): Message[] {
  return takeReady(r).messages;
}

export function electionTimeout(r: Raft): void {
  for (let i = 0; i < 2 * ELECTION; i++) {
    if (r.role !== 'follower' && r.role !== 'preCandidate' && r.role !== 'candidate') return;
    const before = r.term;
    r.tick();
    if (r.term !== before || r.role === 'preCandidate') return;
  }
}

export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A lossless network of replicas; `drop` filters messages, delivery goes on until quiet. */
export class TestCluster {
  readonly nodes = new Map<NodeId, Raft>();
  applied = new Map<NodeId, Entry[]>();
  /** Every message delivered, in order. */
  delivered: Message[] = [];
  private cut = new Set<string>();

  constructor(ids: NodeId[], options: Options = {}) {
    for (const id of ids) {
      this.nodes.set(id, newRaft(id, ids, options));
      this.applied.set(id, []);
    }
  }

  get(id: NodeId): Raft {
    return this.nodes.get(id) as Raft;
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Drains every replica's Ready and delivers the messages until nothing is in flight. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const inFlight: Message[] = [];
      for (const [id, r] of this.nodes) {
        while (r.hasReady()) {
          const rd = takeReady(r);
          (this.applied.get(id) as Entry[]).push(...rd.committedEntries);
          inFlight.push(...rd.messages);
        }
      }
      if (inFlight.length === 0) return;
      for (const m of inFlight) {
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        this.delivered.push(m);
        this.nodes.get(m.to)?.step(m);
      }
    }
    throw new Error('cluster did not stabilize');
  }

  /** Makes `id` campaign and runs the cluster until quiet. */
  elect(id: NodeId): Raft {
    this.get(id).campaign();
    this.stabilize();
    return this.get(id);
  }

  tickAll(times: number): void {
    for (let i = 0; i < times; i++) {
      for (const r of this.nodes.values()) r.tick();
      this.stabilize();
    }
  }
}
