import type { AgentStateValue } from '@ossa/contracts';
import { Schema, type Connection, type Model } from 'mongoose';
import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, HandoffStatus, RegistryStore } from './agent.record';

interface AgentDoc {
  id: string;
  record: AgentRecord;
  // Denormalised for queries: FerretDB and MongoDB both index these plainly.
  state: AgentStateValue;
  capabilityIds: string[];
  region?: string;
  tags: string[];
  currentLoad: number;
  maxLoad: number;
  lastHeartbeatAt: Date;
  revision: number;
  /** The first registration's createdAt, kept when the agent registers again. */
  createdAt?: string;
}

type HandoffDoc = HandoffRecord;

const WRITE = { writeConcern: { w: 'majority' as const, j: true } };

/** FerretDB on SQLite answers a write that meets another one with SQLITE_BUSY instead of waiting: retry those. */
function isBusy(err: unknown): boolean {
  return /SQLITE_BUSY|database is locked/.test((err as Error)?.message ?? '');
}

async function retryBusy<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isBusy(err) || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100, 2 ** attempt) + Math.random() * 10));
    }
  }
}

function toDoc(agent: AgentRecord): Omit<AgentDoc, 'revision'> {
  const { revision: _revision, ...record } = agent;
  return {
    id: agent.id,
    record,
    state: agent.state,
    capabilityIds: [...new Set(agent.capabilities.map((c) => c.id))],
    region: agent.metadata?.region,
    tags: agent.metadata?.tags ?? [],
    currentLoad: agent.currentLoad,
    maxLoad: agent.maxLoad,
    lastHeartbeatAt: new Date(agent.lastHeartbeat),
  };
}

/** A registration's update: the record replaced, the revision moved on, the first createdAt and the registry's load kept. */
function registration(agent: AgentRecord, now: string) {
  const { currentLoad: _load, ...doc } = toDoc(agent);
  return { $set: doc, $inc: { revision: 1 }, $setOnInsert: { createdAt: agent.metadata?.createdAt ?? now, currentLoad: 0 } };
}

/** The record, with the fields that change outside registration taken from their own columns. */
function fromDoc(doc: AgentDoc): AgentRecord {
  return {
    ...doc.record,
    state: doc.state,
    currentLoad: doc.currentLoad,
    lastHeartbeat: doc.lastHeartbeatAt.toISOString(),
    revision: doc.revision ?? 0,
    ...(doc.createdAt ? { metadata: { ...doc.record.metadata, createdAt: doc.createdAt } } : {}),
  };
}

/** Agents and handoffs in the registry's own MongoDB database, shared by every registry instance. */
export class MongoRegistryStore implements RegistryStore {
  readonly durable = true;
  /**
   * Read-modify-write updates of one agent run one at a time in this process. MongoDB applies each
   * single-document update atomically anyway; FerretDB 1.x on SQLite answers findAndModify with a read and
   * a separate write, so concurrent `$inc`s of one agent can be lost there without this.
   */
  private readonly agentLocks = new Map<string, Promise<unknown>>();

  private withAgentLock<T>(id: string, op: () => Promise<T>): Promise<T> {
    const previous = this.agentLocks.get(id) ?? Promise.resolve();
    const next = previous.then(op, op);
    const settled = next.catch(() => undefined);
    this.agentLocks.set(id, settled);
    void settled.then(() => {
      if (this.agentLocks.get(id) === settled) this.agentLocks.delete(id);
    });
    return next;
  }
  private readonly pendingInserts: { h: HandoffRecord; resolve: (outcome: 'inserted' | 'duplicate') => void; reject: (err: Error) => void }[] = [];
  private inserting = false;
  private readonly agents: Model<AgentDoc>;
  private readonly handoffs: Model<HandoffDoc>;

  private constructor(connection: Connection) {
    const agentSchema = new Schema<AgentDoc>(
      {
        id: { type: String, required: true, unique: true },
        record: { type: Schema.Types.Mixed, required: true },
        state: { type: String, required: true, index: true },
        capabilityIds: { type: [String], index: true },
        region: { type: String, index: true },
        tags: { type: [String], index: true },
        currentLoad: { type: Number, required: true },
        maxLoad: { type: Number, required: true },
        lastHeartbeatAt: { type: Date, required: true, index: true },
        revision: { type: Number, default: 0 },
        createdAt: { type: String },
      },
      { id: false, versionKey: false, minimize: false },
    );
    const handoffSchema = new Schema<HandoffDoc>(
      {
        taskId: { type: String, required: true, unique: true },
        agentId: { type: String, required: true, index: true },
        negotiationId: { type: String, required: true },
        epoch: { type: Number, required: true },
        status: { type: String, required: true, index: true },
        task: { type: Schema.Types.Mixed, required: true },
        assignedAt: { type: String, required: true },
        completedAt: { type: String },
        failovers: { type: Number, default: 0 },
      },
      { id: false, versionKey: false, minimize: false },
    );
    this.agents = connection.model<AgentDoc>('Agent', agentSchema, 'agents');
    this.handoffs = connection.model<HandoffDoc>('Handoff', handoffSchema, 'handoffs');
  }

  static async open(connection: Connection): Promise<MongoRegistryStore> {
    const store = new MongoRegistryStore(connection);
    await Promise.all([store.agents.init(), store.handoffs.init()]);
    return store;
  }

  upsertAgent(agent: AgentRecord) {
    return this.withAgentLock(agent.id, async () => {
      const res = await retryBusy(() =>
        this.agents
          .findOneAndUpdate({ id: agent.id }, registration(agent, new Date().toISOString()), { upsert: true, returnDocument: 'after', includeResultMetadata: true, ...WRITE })
          .lean(),
      ) as unknown as { value: AgentDoc; lastErrorObject?: { updatedExisting?: boolean } };
      return { created: !res.lastErrorObject?.updatedExisting, agent: fromDoc(res.value) };
    });
  }

  async upsertAgents(agents: AgentRecord[]) {
    const now = new Date().toISOString();
    const res = await retryBusy(() =>
      this.agents.bulkWrite(
        agents.map((agent) => ({
          updateOne: {
            filter: { id: agent.id },
            update: registration(agent, now),
            upsert: true,
          },
        })),
        { ordered: false, ...WRITE },
      ),
    );
    const created = new Set(Object.keys(res.upsertedIds ?? {}).map(Number));
    const docs = await this.agents.find({ id: { $in: agents.map((a) => a.id) } }).lean<AgentDoc[]>();
    const byId = new Map(docs.map((d) => [d.id, fromDoc(d)]));
    return agents.map((agent, i) => ({ created: created.has(i), agent: byId.get(agent.id) ?? agent }));
  }

  async getAgent(id: string) {
    const doc = await this.agents.findOne({ id }).lean<AgentDoc>();
    return doc ? fromDoc(doc) : null;
  }

  async removeAgent(id: string) {
    return (await retryBusy(() => this.agents.deleteOne({ id }, WRITE))).deletedCount > 0;
  }

  countAgents() {
    return this.agents.countDocuments();
  }

  async countByState() {
    const rows = await this.agents.aggregate<{ _id: string; n: number }>([
      { $group: { _id: '$state', n: { $sum: 1 } } },
    ]);
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  async listAgents(filter: AgentFilter, limit: number, cursor?: string): Promise<AgentPage> {
    const query: Record<string, unknown> = {};
    if (cursor) query.id = { $gt: cursor };
    if (filter.state) query.state = filter.state;
    if (filter.region) query.region = filter.region;
    if (filter.tag) query.tags = filter.tag;
    if (filter.capability) query.capabilityIds = filter.capability;
    const docs = await this.agents
      .find(query)
      .sort({ id: 1 })
      .limit(limit + 1)
      .lean<AgentDoc[]>();
    const agents = docs.slice(0, limit).map(fromDoc);
    return docs.length > limit ? { agents, nextCursor: agents[agents.length - 1].id } : { agents };
  }

  async agentsWithCapabilities(capabilityIds: string[]) {
    const docs = await this.agents.find({ capabilityIds: { $in: capabilityIds } }).lean<AgentDoc[]>();
    return docs.map(fromDoc);
  }

  heartbeat(id: string, at: string, patch: { state?: AgentStateValue }) {
    return this.withAgentLock(id, () => this.heartbeatNow(id, at, patch));
  }

  private async heartbeatNow(id: string, at: string, patch: { state?: AgentStateValue }) {
    const set: Record<string, unknown> = { lastHeartbeatAt: new Date(at) };
    if (patch.state !== undefined) set.state = patch.state;
    const doc = await retryBusy(() =>
      this.agents.findOneAndUpdate({ id }, { $set: set, $inc: { revision: 1 } }, { returnDocument: 'after', ...WRITE }).lean<AgentDoc>(),
    );
    return doc ? fromDoc(doc) : null;
  }

  /** `maxLoadHint`: the agent's maxLoad as the caller last saw it; saves a read when it is still right. */
  adjustLoad(id: string, delta: number, maxLoadHint?: number) {
    return this.withAgentLock(id, () => this.adjustLoadNow(id, delta, maxLoadHint));
  }

  private async adjustLoadNow(id: string, delta: number, maxLoadHint?: number): Promise<AgentRecord | null> {
    if (delta <= 0) {
      const doc = await retryBusy(() =>
        this.agents
          .findOneAndUpdate({ id, currentLoad: { $gte: -delta } }, { $inc: { currentLoad: delta, revision: 1 } }, { returnDocument: 'after', ...WRITE })
          .lean<AgentDoc>(),
      );
      return doc ? fromDoc(doc) : null;
    }
    // The guard names maxLoad too: MongoDB's filter cannot compare two fields of a document without $expr,
    // which FerretDB 1.x lacks, so the limit comes from the caller's hint or a read, and must still hold.
    const maxLoad = maxLoadHint ?? (await this.agents.findOne({ id }, { maxLoad: 1 }).lean<Pick<AgentDoc, 'maxLoad'>>())?.maxLoad;
    if (maxLoad === undefined) return null;
    const doc = await retryBusy(() =>
      this.agents
        .findOneAndUpdate(
          { id, maxLoad, state: 'available', currentLoad: { $lte: maxLoad - delta } },
          { $inc: { currentLoad: delta, revision: 1 } },
          { returnDocument: 'after', ...WRITE },
        )
        .lean<AgentDoc>(),
    );
    if (doc) return fromDoc(doc);
    // A stale hint (maxLoad changed since): decide on the stored value.
    return maxLoadHint === undefined ? null : this.adjustLoadNow(id, delta);
  }

  setLoad(id: string, expected: number, value: number) {
    return this.withAgentLock(id, async () => {
      const doc = await retryBusy(() =>
        this.agents.findOneAndUpdate({ id, currentLoad: expected }, { $set: { currentLoad: value }, $inc: { revision: 1 } }, { returnDocument: 'after', ...WRITE }).lean<AgentDoc>(),
      );
      return doc ? fromDoc(doc) : null;
    });
  }

  failIfStale(id: string, cutoff: string) {
    return this.withAgentLock(id, () => this.failIfStaleNow(id, cutoff));
  }

  private async failIfStaleNow(id: string, cutoff: string) {
    const doc = await retryBusy(() =>
      this.agents
        .findOneAndUpdate(
          { id, state: { $nin: ['failed', 'offline'] }, lastHeartbeatAt: { $lt: new Date(cutoff) } },
          { $set: { state: 'failed' }, $inc: { revision: 1 } },
          { returnDocument: 'after', ...WRITE },
        )
        .lean<AgentDoc>(),
    );
    return doc ? fromDoc(doc) : null;
  }

  async *allAgents(pageSize: number) {
    let after: string | undefined;
    for (;;) {
      const docs = await this.agents
        .find(after === undefined ? {} : { id: { $gt: after } })
        .sort({ id: 1 })
        .limit(pageSize)
        .lean<AgentDoc[]>();
      if (docs.length === 0) return;
      yield docs.map(fromDoc);
      if (docs.length < pageSize) return;
      after = docs[docs.length - 1].id;
    }
  }

  /**
   * A task's first record is inserted with group commit (below); a record of a later epoch, or one whose
   * insert met an existing record, replaces it only if the stored epoch is not later.
   */
  async recordHandoff(h: HandoffRecord) {
    if (h.epoch === 1 && (await this.insertBatched(h)) === 'inserted') return true;
    const res = await retryBusy(() =>
      this.handoffs.updateOne({ taskId: h.taskId, $or: [{ epoch: { $lte: h.epoch } }, { epoch: { $exists: false } }] }, { $set: h }, WRITE),
    );
    if (res.matchedCount > 0) return true;
    if (await this.handoffs.exists({ taskId: h.taskId })) return false;
    return (await this.insertBatched(h)) === 'inserted';
  }

  /**
   * Group commit: handoff records inserted while a batch is being written go together in the next one.
   * FerretDB on SQLite writes one insertMany in one transaction (thousands of records per second) but each
   * single-document write in its own (about a hundred per second); MongoDB gains fewer round trips.
   */
  private insertBatched(h: HandoffRecord): Promise<'inserted' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ h, resolve, reject });
      if (!this.inserting) void this.flushInserts();
    });
  }

  private async flushInserts(): Promise<void> {
    this.inserting = true;
    try {
      while (this.pendingInserts.length > 0) {
        const batch = this.pendingInserts.splice(0, 500);
        try {
          await retryBusy(() => this.handoffs.collection.insertMany(batch.map((b) => ({ ...b.h })), { ordered: false, ...WRITE }));
          for (const b of batch) b.resolve('inserted');
        } catch (err) {
          const writeErrors = (err as { writeErrors?: { index: number; code?: number }[] }).writeErrors;
          if (!writeErrors) {
            for (const b of batch) b.reject(err as Error);
            continue;
          }
          const failed = new Map(writeErrors.map((e) => [e.index, e]));
          batch.forEach((b, i) => {
            const e = failed.get(i);
            if (!e) b.resolve('inserted');
            else if (e.code === 11000) b.resolve('duplicate');
            else b.reject(Object.assign(new Error(`handoff record not stored (code ${e.code})`), { cause: e }));
          });
        }
      }
    } finally {
      this.inserting = false;
    }
  }

  async getHandoff(taskId: string) {
    return this.handoffs.findOne({ taskId }, { _id: 0 }).lean<HandoffRecord>();
  }

  async updateHandoff(taskId: string, epoch: number, from: HandoffStatus[], patch: { status: HandoffStatus; completedAt?: string; failovers?: number }) {
    // No projection: FerretDB's findAndModify does not take one.
    const doc = await retryBusy(() =>
      this.handoffs.findOneAndUpdate({ taskId, epoch, status: { $in: from } }, { $set: patch }, { returnDocument: 'after', ...WRITE }).lean<HandoffRecord & { _id?: unknown }>(),
    );
    if (!doc) return null;
    const { _id, ...handoff } = doc;
    return handoff;
  }

  handoffsOf(agentId: string) {
    return this.handoffs.find({ agentId, status: 'assigned' }, { _id: 0 }).lean<HandoffRecord[]>();
  }

  waitingHandoffs(limit: number) {
    return this.handoffs.find({ status: 'waiting' }, { _id: 0 }).limit(limit).lean<HandoffRecord[]>();
  }

  async assignedCounts() {
    const rows = await this.handoffs.aggregate<{ _id: string; n: number }>([{ $match: { status: 'assigned' } }, { $group: { _id: '$agentId', n: { $sum: 1 } } }]);
    return new Map(rows.map((r) => [r._id, r.n]));
  }

  async close() {}
}
