import type { HandoffRequestDto } from '@ossa/contracts';
import type { AuditActor } from '@ossa/security';
import type { JetStreamClient, JetStreamManager, KV } from 'nats';
import { handoffKey, isWrongSequence, registryBuckets } from '../agents/kv-registry.store';

/**
 * A placement asked for by `handoff.initiate` and not finished yet. A submitted task needs no entry (its
 * stream message is redelivered until acked), nor does a task waiting after failover (its store record says
 * so); a request-reply handoff has only the requesting process's memory, so a registry that dies between
 * the ledger claim and the delivery would strand the task if its client never asked again. The journal is
 * what the sweep finds such placements by.
 */
export interface OpenPlacement {
  task: HandoffRequestDto;
  /** When this entry was last written (epoch ms, the writer's clock): opened, or retried by a sweep. */
  at: number;
  /** How many negotiations of it have started (the first is the request's own). */
  attempts: number;
  actor?: AuditActor;
}

export interface PlacementJournal {
  /**
   * Writes the entry, or rewrites the task's entry already there (a retry, the sweep's or a client's);
   * resolves once it is durable, with whether this call created it.
   */
  open(placement: OpenPlacement): Promise<boolean>;
  /** Removes the entry (the placement ended: placed, or refused for good). Removing none is no error. */
  close(taskId: string): Promise<void>;
  /** Up to `limit` entries last written before `before` (epoch ms). */
  stale(before: number, limit: number): Promise<OpenPlacement[]>;
}

export const PLACEMENT_JOURNAL = Symbol('PLACEMENT_JOURNAL');

const encoder = new TextEncoder();

/**
 * The journal in a JetStream key-value bucket on the NATS server the system needs anyway, whatever the
 * registry's store: it is written twice per request-reply handoff, and a key-value put (a JetStream publish)
 * costs well under a millisecond where one single-document write to the MongoDB-protocol server measured
 * here costs about ten (docs/registry.md). Shared by every instance of the registry.
 */
export class KvPlacementJournal implements PlacementJournal {
  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  static async open(js: JetStreamClient, prefix: string): Promise<KvPlacementJournal> {
    const bucket = registryBuckets(prefix).placements;
    return new KvPlacementJournal(await js.views.kv(bucket, { history: 1 }), await js.jetstreamManager(), bucket);
  }

  async open(placement: OpenPlacement): Promise<boolean> {
    const key = handoffKey(placement.task.id);
    const data = encoder.encode(JSON.stringify(placement));
    try {
      await this.kv.create(key, data);
      return true;
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      await this.kv.put(key, data);
      return false;
    }
  }

  /**
   * Purges the key's messages from the bucket's stream: unlike a key-value delete, which keeps a marker per
   * key for watchers (one per task ever placed, here), this leaves nothing behind. The journal has no watchers.
   */
  async close(taskId: string): Promise<void> {
    await this.jsm.streams.purge(`KV_${this.bucket}`, { filter: `$KV.${this.bucket}.${handoffKey(taskId)}` });
  }

  async stale(before: number, limit: number): Promise<OpenPlacement[]> {
    const out: OpenPlacement[] = [];
    const keys: string[] = [];
    for await (const key of await this.kv.keys()) keys.push(key);
    for (const key of keys) {
      if (out.length >= limit) break;
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const placement = parsePlacement(entry.string());
      if (placement && placement.at < before) out.push(placement);
    }
    return out;
  }
}

/** The journal in this process only (unit tests): lost with it, as the placements it keeps would be. */
export class MemoryPlacementJournal implements PlacementJournal {
  readonly entries = new Map<string, OpenPlacement>();

  async open(placement: OpenPlacement): Promise<boolean> {
    const created = !this.entries.has(placement.task.id);
    this.entries.set(placement.task.id, structuredClone(placement));
    return created;
  }

  async close(taskId: string): Promise<void> {
    this.entries.delete(taskId);
  }

  async stale(before: number, limit: number): Promise<OpenPlacement[]> {
    return [...this.entries.values()].filter((p) => p.at < before).slice(0, limit).map((p) => structuredClone(p));
  }
}

/**
 * An entry read back, checked for the shape this module writes (the bucket is reachable by anything that may
 * publish on JetStream's API subjects); anything else is skipped, never negotiated. The sweep validates the
 * task inside against the contract again before it negotiates it.
 */
function parsePlacement(text: string): OpenPlacement | null {
  try {
    const v = JSON.parse(text) as Partial<OpenPlacement>;
    if (!v || typeof v !== 'object' || !v.task || typeof v.task !== 'object' || typeof v.task.id !== 'string') return null;
    if (!Number.isSafeInteger(v.at) || !Number.isSafeInteger(v.attempts) || (v.attempts as number) < 1) return null;
    return v as OpenPlacement;
  } catch {
    return null;
  }
}
