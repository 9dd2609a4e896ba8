import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, RegistryStore } from './agent.record';

const clone = <T>(v: T): T => structuredClone(v);

/** Every change of a stored agent moves its revision on. */
function bump(agent: AgentRecord): void {
  agent.revision = (agent.revision ?? 0) + 1;
}

function matches(agent: AgentRecord, filter: AgentFilter): boolean {
  if (filter.state && agent.state !== filter.state) return false;
  if (filter.region && agent.metadata?.region !== filter.region) return false;
  if (filter.tag && !agent.metadata?.tags?.includes(filter.tag)) return false;
  if (filter.capability && !agent.capabilities.some((c) => c.id === filter.capability)) return false;
  return true;
}

/** The registry's state in this process only: for a single instance without MONGO_URL; lost on restart. */
export class MemoryRegistryStore implements RegistryStore {
  readonly durable = false;
  private readonly agents = new Map<string, AgentRecord>();
  private readonly handoffs = new Map<string, HandoffRecord>();

  async upsertAgent(agent: AgentRecord) {
    const previous = this.agents.get(agent.id);
    const stored = { ...clone(agent), revision: (previous?.revision ?? 0) + 1 };
    const createdAt = previous?.metadata?.createdAt;
    if (createdAt) stored.metadata = { ...stored.metadata, createdAt };
    this.agents.set(agent.id, stored);
    return { created: !previous, agent: clone(stored) };
  }
  async upsertAgents(agents: AgentRecord[]) {
    const out = [];
    for (const agent of agents) out.push(await this.upsertAgent(agent));
    return out;
  }
  async getAgent(id: string) {
    const a = this.agents.get(id);
    return a ? clone(a) : null;
  }
  async removeAgent(id: string) {
    return this.agents.delete(id);
  }
  async countAgents() {
    return this.agents.size;
  }
  async countByState() {
    const counts: Record<string, number> = {};
    for (const a of this.agents.values()) counts[a.state] = (counts[a.state] ?? 0) + 1;
    return counts;
  }
  async listAgents(filter: AgentFilter, limit: number, cursor?: string): Promise<AgentPage> {
    const ids = [...this.agents.keys()].filter((id) => !cursor || id > cursor).sort();
    const page: AgentRecord[] = [];
    for (const id of ids) {
      const a = this.agents.get(id)!;
      if (!matches(a, filter)) continue;
      if (page.length === limit) return { agents: page, nextCursor: page[page.length - 1].id };
      page.push(clone(a));
    }
    return { agents: page };
  }
  async agentsWithCapabilities(capabilityIds: string[]) {
    const wanted = new Set(capabilityIds);
    return [...this.agents.values()].filter((a) => a.capabilities.some((c) => wanted.has(c.id))).map(clone);
  }
  async heartbeat(id: string, at: string, patch: { currentLoad?: number; state?: string }) {
    const a = this.agents.get(id);
    if (!a) return null;
    a.lastHeartbeat = at;
    if (patch.currentLoad !== undefined) a.currentLoad = patch.currentLoad;
    if (patch.state !== undefined) a.state = patch.state;
    bump(a);
    return clone(a);
  }
  async adjustLoad(id: string, delta: number) {
    const a = this.agents.get(id);
    if (!a || (delta > 0 && (a.currentLoad + delta > a.maxLoad || a.state !== 'available'))) return null;
    a.currentLoad = Math.max(0, a.currentLoad + delta);
    bump(a);
    return clone(a);
  }
  async failIfStale(id: string, cutoff: string) {
    const a = this.agents.get(id);
    if (!a || a.state === 'failed' || a.state === 'offline' || Date.parse(a.lastHeartbeat) >= Date.parse(cutoff)) return null;
    a.state = 'failed';
    bump(a);
    return clone(a);
  }
  async *allAgents(pageSize: number) {
    const all = [...this.agents.values()];
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize).map(clone);
  }
  async putHandoff(h: HandoffRecord) {
    this.handoffs.set(h.taskId, clone(h));
  }
  async insertHandoffIfAbsent(h: HandoffRecord) {
    const existing = this.handoffs.get(h.taskId);
    if (existing && existing.status === 'assigned') return false;
    this.handoffs.set(h.taskId, clone(h));
    return true;
  }
  async getHandoff(taskId: string) {
    const h = this.handoffs.get(taskId);
    return h ? clone(h) : null;
  }
  async handoffsOf(agentId: string) {
    return [...this.handoffs.values()].filter((h) => h.agentId === agentId && h.status === 'assigned').map(clone);
  }
  async reassignHandoff(taskId: string, from: string, to: string, negotiationId: string) {
    const h = this.handoffs.get(taskId);
    if (!h || h.agentId !== from || h.status !== 'assigned') return false;
    h.agentId = to;
    h.negotiationId = negotiationId;
    h.failovers += 1;
    return true;
  }
  async completeHandoff(taskId: string, agentId: string, status: 'completed' | 'failed', at: string) {
    const h = this.handoffs.get(taskId);
    if (!h || h.agentId !== agentId || h.status !== 'assigned') return null;
    h.status = status;
    h.completedAt = at;
    return clone(h);
  }
  async close() {}
}
