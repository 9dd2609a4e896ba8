import type { AgentStateValue } from '@ossa/contracts';
import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, HandoffStatus, RegistryStore } from './agent.record';
import { RegistryState } from './registry-state';

const clone = <T>(v: T): T => structuredClone(v);

/** The registry's state in this process only: for unit tests and embeddings; lost on restart. */
export class MemoryRegistryStore implements RegistryStore {
  readonly durable = false;
  private readonly state = new RegistryState();
  private revision = 0;

  /** Stores a changed agent under the next revision. */
  private store(agent: AgentRecord | null): AgentRecord | null {
    if (!agent) return null;
    const stored = { ...agent, revision: ++this.revision };
    this.state.putAgent(stored);
    return clone(stored);
  }

  async upsertAgent(agent: AgentRecord) {
    const { created, agent: next } = this.state.registration(agent);
    return { created, agent: this.store(next)! };
  }
  async upsertAgents(agents: AgentRecord[]) {
    const out = [];
    for (const agent of agents) out.push(await this.upsertAgent(agent));
    return out;
  }
  async getAgent(id: string) {
    const a = this.state.agents.get(id);
    return a ? clone(a) : null;
  }
  async removeAgent(id: string) {
    return this.state.agents.delete(id);
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
  async heartbeat(id: string, at: string, patch: { state?: AgentStateValue }) {
    return this.store(this.state.withHeartbeat(id, at, patch.state));
  }
  async adjustLoad(id: string, delta: number) {
    return this.store(this.state.withLoad(id, delta));
  }
  async setLoad(id: string, expected: number, value: number) {
    const a = this.state.agents.get(id);
    return a && a.currentLoad === expected ? this.store({ ...a, currentLoad: value }) : null;
  }
  async failIfStale(id: string, cutoff: string) {
    return this.store(this.state.failedIfStale(id, cutoff));
  }
  async *allAgents(pageSize: number) {
    yield* this.state.pages(pageSize);
  }
  async recordHandoff(h: HandoffRecord) {
    if (!this.state.mayRecord(h)) return false;
    this.state.putHandoff(clone(h));
    return true;
  }
  async getHandoff(taskId: string) {
    const h = this.state.handoffs.get(taskId);
    return h ? clone(h) : null;
  }
  async updateHandoff(taskId: string, epoch: number, from: HandoffStatus[], patch: { status: HandoffStatus; completedAt?: string; failovers?: number }) {
    const next = this.state.updated(taskId, epoch, from, patch);
    if (next) this.state.putHandoff(next);
    return next ? clone(next) : null;
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
  async close() {}
}
