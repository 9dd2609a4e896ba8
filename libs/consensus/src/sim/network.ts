// The simulated network: delayed, lossy, duplicating, reordering delivery and directed link partitions.
import type { Message, NodeId } from '../raft/types';
import type { Prng } from './prng';

export interface NetworkFaults {
  lossRate: number;
  duplicateRate: number;
  minDelay: number;
  maxDelay: number;
  /**
   * Loss rate of AppendEntries that carry an entry of the sender's own term (used instead of lossRate when
   * higher): a new leader's entries fail to spread while the older entries it repairs followers with still
   * get through — the setting of the paper's Figure 8, where counting replicas of an old entry goes wrong.
   */
  ownTermEntryLossRate?: number;
}

interface InFlight {
  deliverAt: number;
  seq: number;
  message: Message;
}

export class Network {
  private queue: InFlight[] = [];
  private seq = 0;
  /** Directed links that drop everything: "from>to". */
  private blocked = new Set<string>();
  faults: NetworkFaults;

  constructor(
    private readonly rng: Prng,
    faults: NetworkFaults,
  ) {
    this.faults = { ...faults };
  }

  send(message: Message, now: number): void {
    if (this.rng.chance(this.lossRate(message))) return;
    const copies = this.rng.chance(this.faults.duplicateRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.rng.range(this.faults.minDelay, this.faults.maxDelay);
      this.queue.push({ deliverAt: now + delay, seq: this.seq++, message });
    }
  }

  private lossRate(m: Message): number {
    const own = this.faults.ownTermEntryLossRate ?? 0;
    if (own <= this.faults.lossRate || m.type !== 'appendEntries') return this.faults.lossRate;
    return m.entries?.some((e) => e.term === m.term) ? own : this.faults.lossRate;
  }

  /** Messages due at `now`, in delivery order; those crossing a blocked link are dropped. */
  due(now: number): Message[] {
    if (this.queue.length === 0) return [];
    const ready: InFlight[] = [];
    const later: InFlight[] = [];
    for (const m of this.queue) (m.deliverAt <= now ? ready : later).push(m);
    if (ready.length === 0) return [];
    this.queue = later;
    ready.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq);
    return ready.map((m) => m.message).filter((m) => !this.blocked.has(`${m.from}>${m.to}`));
  }

  pending(): number {
    return this.queue.length;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  block(from: NodeId, to: NodeId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts every link between the two groups in both directions. */
  partition(a: NodeId[], b: NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.block(x, y);
        this.block(y, x);
      }
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  describeBlocked(): string {
    return [...this.blocked].sort().join(',');
  }
}
