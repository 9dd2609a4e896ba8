import { Schema, type Connection, type Model } from 'mongoose';
import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, RegistryStore } from './agent.record';

interface AgentDoc {
  id: string;
  record: AgentRecord;
  // Denormalised for queries: FerretDB and MongoDB both index these plainly.
  state: string;
  capabilityIds: string[];
  region?: string;
  tags: string[];
  currentLoad: number;
  maxLoad: number;
  lastHeartbeatAt: Date;
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

function toDoc(agent: AgentRecord): AgentDoc {
  return {
    id: agent.id,
    record: agent,
    state: agent.state,
    capabilityIds: [...new Set(agent.capabilities.map((c) => c.id))],
    region: agent.metadata?.region,
    tags: agent.metadata?.tags ?? [],
    currentLoad: agent.currentLoad,
    maxLoad: agent.maxLoad,
    lastHeartbeatAt: new Date(agent.lastHeartbeat),
  };
}

/** The record, with the fields that change outside registration taken from their own columns. */
function fromDoc(doc: AgentDoc): AgentRecord {
  return {
    ...doc.record,
    state: doc.state,
    currentLoad: doc.currentLoad,
    lastHeartbeat: doc.lastHeartbeatAt.toISOString(),
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
      },
      { id: false, versionKey: false, minimize: false },
    );
    const handoffSchema = new Schema<HandoffDoc>(
      {
        taskId: { type: String, required: true, unique: true },
        agentId: { type: String, required: true, index: true },
        negotiationId: { type: String, required: true },
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

  async upsertAgent(agent: AgentRecord) {
    const res = await retryBusy(() =>
      this.agents.updateOne({ id: agent.id }, { $set: toDoc(agent) }, { upsert: true, ...WRITE }),
    );
    return { created: res.upsertedCount > 0 };
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

  heartbeat(id: string, at: string, patch: { currentLoad?: number; state?: string }) {
    return this.withAgentLock(id, () => this.heartbeatNow(id, at, patch));
  }

  private async heartbeatNow(id: string, at: string, patch: { currentLoad?: number; state?: string }) {
    const set: Record<string, unknown> = { lastHeartbeatAt: new Date(at) };
    if (patch.currentLoad !== undefined) set.currentLoad = patch.currentLoad;
    if (patch.state !== undefined) set.state = patch.state;
    const doc = await retryBusy(() =>
      this.agents.findOneAndUpdate({ id }, { $set: set }, { new: true, ...WRITE }).lean<AgentDoc>(),
    );
    return doc ? fromDoc(doc) : null;
  }

  adjustLoad(id: string, delta: number) {
    return this.withAgentLock(id, () => this.adjustLoadNow(id, delta));
  }

  private async adjustLoadNow(id: string, delta: number) {
    const current = await this.agents.findOne({ id }, { maxLoad: 1 }).lean<Pick<AgentDoc, 'maxLoad'>>();
    if (!current) return null;
    const guard =
      delta > 0 ? { currentLoad: { $lte: current.maxLoad - delta } } : { currentLoad: { $gte: -delta } };
    const doc = await retryBusy(() =>
      this.agents
        .findOneAndUpdate({ id, ...guard }, { $inc: { currentLoad: delta } }, { new: true, ...WRITE })
        .lean<AgentDoc>(),
    );
    return doc ? fromDoc(doc) : null;
  }

  failIfStale(id: string, cutoff: string) {
    return this.withAgentLock(id, () => this.failIfStaleNow(id, cutoff));
  }

  private async failIfStaleNow(id: string, cutoff: string) {
    const res = await retryBusy(() =>
      this.agents.updateOne(
        { id, state: { $nin: ['failed', 'offline'] }, lastHeartbeatAt: { $lt: new Date(cutoff) } },
        { $set: { state: 'failed' } },
        WRITE,
      ),
    );
    return res.modifiedCount === 1;
  }

  async staleAgents(cutoff: string) {
    const docs = await this.agents
      .find({ state: { $nin: ['failed', 'offline'] }, lastHeartbeatAt: { $lt: new Date(cutoff) } })
      .lean<AgentDoc[]>();
    return docs.map(fromDoc);
  }

  async putHandoff(h: HandoffRecord) {
    await retryBusy(() =>
      this.handoffs.updateOne({ taskId: h.taskId }, { $set: h }, { upsert: true, ...WRITE }),
    );
  }

  async insertHandoffIfAbsent(h: HandoffRecord) {
    // Replaces a finished handoff of the same task; an assigned one blocks (upsert on a filter that excludes it
    // collides with the unique taskId index, which is how the losing instance learns it lost).
    try {
      const res = await retryBusy(() =>
        this.handoffs.updateOne(
          { taskId: h.taskId, status: { $ne: 'assigned' } },
          { $set: h },
          { upsert: true, ...WRITE },
        ),
      );
      return res.upsertedCount + res.modifiedCount > 0;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  async getHandoff(taskId: string) {
    return this.handoffs.findOne({ taskId }, { _id: 0 }).lean<HandoffRecord>();
  }

  handoffsOf(agentId: string) {
    return this.handoffs.find({ agentId, status: 'assigned' }, { _id: 0 }).lean<HandoffRecord[]>();
  }

  async reassignHandoff(taskId: string, from: string, to: string, negotiationId: string) {
    const res = await retryBusy(() =>
      this.handoffs.updateOne(
        { taskId, agentId: from, status: 'assigned' },
        { $set: { agentId: to, negotiationId }, $inc: { failovers: 1 } },
        WRITE,
      ),
    );
    return res.modifiedCount === 1;
  }

  async completeHandoff(taskId: string, agentId: string, status: 'completed' | 'failed', at: string) {
    const doc = await retryBusy(() =>
      this.handoffs
        .findOneAndUpdate(
          { taskId, agentId, status: 'assigned' },
          { $set: { status, completedAt: at } },
          { new: true, ...WRITE },
        )
        .lean<HandoffRecord & { _id?: unknown }>(),
    );
    if (!doc) return null;
    const { _id, ...handoff } = doc;
    return handoff;
  }

  async close() {}
}
