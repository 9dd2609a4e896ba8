import type { AgentStateValue } from '@ossa/contracts';
import type { JetStreamClient, KV, KvEntry, QueuedIterator } from 'nats';
import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, HandoffStatus, RegistryStore } from './agent.record';
import { RegistryState } from './registry-state';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The registry's buckets of one subject prefix: `<PREFIX>_REGISTRY_AGENTS` and `<PREFIX>_REGISTRY_HANDOFFS`
 * (its state without MongoDB), and `<PREFIX>_REGISTRY_PLACEMENTS` (the placement journal, with any store).
 */
export function registryBuckets(prefix: string): { agents: string; handoffs: string; placements: string } {
  const base = prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
  return { agents: `${base}_REGISTRY_AGENTS`, handoffs: `${base}_REGISTRY_HANDOFFS`, placements: `${base}_REGISTRY_PLACEMENTS` };
}

/** Agent ids are subject tokens already; a task id may be any text, so one that is not a plain token is base64url-encoded. */
export function handoffKey(taskId: string): string {
  return /^[A-Za-z0-9_-]{1,200}$/.test(taskId) ? `t.${taskId}` : `b.${Buffer.from(taskId, 'utf8').toString('base64url')}`;
}

/** The error of a key-value `create` or `update` whose key moved on (or exists) meanwhile. */
export function isWrongSequence(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(e?.message ?? '');
}

const MAX_CONFLICTS = 50;

/**
 * Registry state in two JetStream key-value buckets on the NATS server the system needs anyway: durable
 * across restarts without MongoDB. Each change is a compare-and-set on the key's revision (`update` with the
 * revision held, `create` for a new key), so several registry instances may share the buckets; each keeps
 * every agent and record in memory, fed by a watch of both buckets, and answers reads from there.
 */
export class KvRegistryStore implements RegistryStore {
  readonly durable = true;
  private readonly state = new RegistryState();
  /** The bucket revision of each handoff record held (agents carry theirs as `revision`). */
  private readonly handoffRevisions = new Map<string, number>();
  /** Revisions of this instance's agent deletes until the watch passes them: an older write's echo must not bring the agent back. */
  private readonly tombstones = new Map<string, number>();
  private readonly watches: QueuedIterator<KvEntry>[] = [];
  private readonly watching: Promise<void>[] = [];
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly agentListeners: ((change: { agent: AgentRecord } | { removed: string }) => void)[] = [];

  private constructor(
    private readonly agents: KV,
    private readonly handoffs: KV,
  ) {}

  /** Opens (creating if need be) both buckets and reads every entry before it answers anything. */
  static async open(js: JetStreamClient, prefix: string): Promise<KvRegistryStore> {
    const names = registryBuckets(prefix);
    const [agents, handoffs] = await Promise.all([js.views.kv(names.agents, { history: 1 }), js.views.kv(names.handoffs, { history: 1 })]);
    const store = new KvRegistryStore(agents, handoffs);
    await Promise.all([store.watch(agents, (e) => store.applyAgent(e)), store.watch(handoffs, (e) => store.applyHandoff(e))]);
    return store;
  }

  /** Removes the registry's buckets of a prefix, the placement journal's too (tests). */
  static async destroy(js: JetStreamClient, prefix: string): Promise<void> {
    for (const name of Object.values(registryBuckets(prefix))) await (await js.views.kv(name, { bindOnly: true })).destroy().catch(() => undefined);
  }

  /** Called with every agent change this instance writes or sees in the bucket (the directory's feed). */
  onAgentChange(listener: (change: { agent: AgentRecord } | { removed: string }) => void): void {
    this.agentListeners.push(listener);
  }

  private async watch(kv: KV, apply: (e: KvEntry) => void): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    const iterator = await kv.watch({ initializedFn: () => initialized() });
    this.watches.push(iterator);
    this.watching.push(
      (async () => {
        for await (const entry of iterator) {
          try {
            apply(entry);
          } catch {
            // An unreadable entry is skipped; the next write of the key replaces it.
          }
        }
      })(),
    );
    await ready;
  }

  private applyAgent(e: KvEntry): void {
    const held = this.state.agents.get(e.key);
    const deleted = this.tombstones.get(e.key) ?? 0;
    if (deleted >= e.revision) {
      if (deleted === e.revision) this.tombstones.delete(e.key);
      return;
    }
    if (held && (held.revision ?? 0) >= e.revision) return;
    if (e.operation !== 'PUT') {
      if (!held) return;
      this.state.agents.delete(e.key);
      for (const l of this.agentListeners) l({ removed: e.key });
      return;
    }
    const agent = { ...(JSON.parse(decoder.decode(e.value)) as AgentRecord), revision: e.revision };
    this.state.putAgent(agent);
    for (const l of this.agentListeners) l({ agent: structuredClone(agent) });
  }

  private applyHandoff(e: KvEntry): void {
    const h = e.operation === 'PUT' ? (JSON.parse(decoder.decode(e.value)) as HandoffRecord) : null;
    const taskId = h?.taskId ?? [...this.handoffRevisions.keys()].find((id) => handoffKey(id) === e.key);
    if (taskId === undefined || (this.handoffRevisions.get(taskId) ?? 0) >= e.revision) return;
    this.handoffRevisions.set(taskId, e.revision);
    if (h) this.state.putHandoff(h);
    else this.state.removeHandoff(taskId);
  }

  /** One change at a time per key in this process: saves compare-and-set conflicts among its own callers. */
  private locked<T>(key: string, op: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(op, op);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  /**
   * Read-modify-write of one agent: `change` sees the record held and answers the new one (null: no change);
   * written with the held revision, so a write by another instance in between fails, is read, and retried.
   */
  private mutateAgent(id: string, change: () => AgentRecord | null): Promise<AgentRecord | null> {
    return this.locked(`a:${id}`, async () => {
      for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
        const next = change();
        if (!next) return null;
        const held = this.state.agents.get(id);
        const { revision: _r, ...body } = next;
        try {
          const data = encoder.encode(JSON.stringify(body));
          const revision = held ? await this.agents.update(id, data, held.revision ?? 0) : await this.agents.create(id, data);
          const stored = { ...next, revision };
          this.applyAgent({ key: id, revision, operation: 'PUT', value: data } as KvEntry);
          return structuredClone(stored);
        } catch (err) {
          if (!isWrongSequence(err) && !(held === undefined && /exists/i.test((err as Error).message))) throw err;
          await this.refreshAgent(id);
        }
      }
      throw new Error(`agent ${id}: too many concurrent changes`);
    });
  }

  private async refreshAgent(id: string): Promise<void> {
    const entry = await this.agents.get(id);
    if (entry) this.applyAgent(entry);
  }

  private mutateHandoff(taskId: string, change: () => HandoffRecord | null): Promise<HandoffRecord | null> {
    const key = handoffKey(taskId);
    return this.locked(`h:${key}`, async () => {
      for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
        const next = change();
        if (!next) return null;
        const held = this.handoffRevisions.get(taskId);
        try {
          const data = encoder.encode(JSON.stringify(next));
          const revision = held !== undefined ? await this.handoffs.update(key, data, held) : await this.handoffs.create(key, data);
          this.applyHandoff({ key, revision, operation: 'PUT', value: data } as KvEntry);
          return structuredClone(next);
        } catch (err) {
          if (!isWrongSequence(err) && !(held === undefined && /exists/i.test((err as Error).message))) throw err;
          const entry = await this.handoffs.get(key);
          if (entry) this.applyHandoff(entry);
        }
      }
      throw new Error(`task ${taskId}: too many concurrent changes`);
    });
  }

  upsertAgent(agent: AgentRecord) {
    let created = false;
    return this.mutateAgent(agent.id, () => {
      const r = this.state.registration(agent);
      created = r.created;
      return r.agent;
    }).then((stored) => ({ created, agent: stored! }));
  }
  upsertAgents(agents: AgentRecord[]) {
    return Promise.all(agents.map((a) => this.upsertAgent(a)));
  }
  async getAgent(id: string) {
    const a = this.state.agents.get(id);
    return a ? structuredClone(a) : null;
  }
  removeAgent(id: string) {
    return this.locked(`a:${id}`, async () => {
      if (!this.state.agents.has(id)) await this.refreshAgent(id);
      const held = this.state.agents.get(id);
      if (!held) return false;
      await this.agents.delete(id);
      const marker = await this.agents.get(id);
      // Registered again by another instance meanwhile: that record stands.
      if (marker?.operation === 'PUT') return true;
      const revision = marker?.revision ?? (held.revision ?? 0) + 1;
      this.applyAgent({ key: id, revision, operation: 'DEL' } as KvEntry);
      this.tombstones.set(id, revision);
      return true;
    });
  }
  async countAgents() {
    return this.state.agents.size;
  }
  async countByState() {
    return this.state.countByState();
  }
  async listAgents(filter: AgentFilter, limit: number, cursor?: string): Promise<AgentPage> {
    return this.state.list(filter, limit, cursor);
  }
  async agentsWithCapabilities(capabilityIds: string[]) {
    return this.state.withCapabilities(capabilityIds);
  }
  heartbeat(id: string, at: string, patch: { state?: AgentStateValue }) {
    return this.mutateAgent(id, () => this.state.withHeartbeat(id, at, patch.state));
  }
  adjustLoad(id: string, delta: number) {
    return this.mutateAgent(id, () => this.state.withLoad(id, delta));
  }
  setLoad(id: string, expected: number, value: number) {
    return this.mutateAgent(id, () => {
      const a = this.state.agents.get(id);
      return a && a.currentLoad === expected ? { ...a, currentLoad: value } : null;
    });
  }
  failIfStale(id: string, cutoff: string) {
    return this.mutateAgent(id, () => this.state.failedIfStale(id, cutoff));
  }
  async *allAgents(pageSize: number) {
    yield* this.state.pages(pageSize);
  }
  async recordHandoff(h: HandoffRecord) {
    return (await this.mutateHandoff(h.taskId, () => (this.state.mayRecord(h) ? h : null))) !== null;
  }
  async getHandoff(taskId: string) {
    const h = this.state.handoffs.get(taskId);
    return h ? structuredClone(h) : null;
  }
  updateHandoff(taskId: string, epoch: number, from: HandoffStatus[], patch: { status: HandoffStatus; completedAt?: string; failovers?: number }) {
    return this.mutateHandoff(taskId, () => this.state.updated(taskId, epoch, from, patch));
  }
  async handoffsOf(agentId: string) {
    return this.state.handoffsOf(agentId);
  }
  async waitingHandoffs(limit: number) {
    return this.state.waiting(limit);
  }
  async assignedCounts() {
    return this.state.assignedCounts();
  }
  async close() {
    for (const w of this.watches) w.stop();
    await Promise.allSettled(this.watching);
  }
}
