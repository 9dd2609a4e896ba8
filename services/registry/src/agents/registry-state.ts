import type { AgentStateValue } from '@ossa/contracts';
import type { AgentFilter, AgentPage, AgentRecord, HandoffRecord, HandoffStatus } from './agent.record';

/**
 * Agents and handoff records held in this process, with the rules every store follows (load guard,
 * registration keeps the load, one record per task by epoch). The memory store is this alone; the
 * key-value store keeps one as its index and writes each change to its bucket first.
 */
export class RegistryState {
  readonly agents = new Map<string, AgentRecord>();
  readonly handoffs = new Map<string, HandoffRecord>();
  /** Records in status assigned per agent, kept with every change of a record. */
  private readonly assigned = new Map<string, Set<string>>();

  /** The registration as it would be stored: first createdAt and the registry's load kept. */
  registration(agent: AgentRecord): { created: boolean; agent: AgentRecord } {
    const previous = this.agents.get(agent.id);
    const stored: AgentRecord = { ...structuredClone(agent), currentLoad: previous?.currentLoad ?? 0 };
    const createdAt = previous?.metadata?.createdAt;
    if (createdAt) stored.metadata = { ...stored.metadata, createdAt };
    return { created: !previous, agent: stored };
  }

  withLoad(id: string, delta: number): AgentRecord | null {
    const a = this.agents.get(id);
    if (!a || (delta > 0 && (a.currentLoad + delta > a.maxLoad || a.state !== 'available'))) return null;
    return { ...a, currentLoad: Math.max(0, a.currentLoad + delta) };
  }

  withHeartbeat(id: string, at: string, state?: AgentStateValue): AgentRecord | null {
    const a = this.agents.get(id);
    return a ? { ...a, lastHeartbeat: at, ...(state !== undefined ? { state } : {}) } : null;
  }

  failedIfStale(id: string, cutoff: string): AgentRecord | null {
    const a = this.agents.get(id);
    if (!a || a.state === 'failed' || a.state === 'offline' || Date.parse(a.lastHeartbeat) >= Date.parse(cutoff)) return null;
    return { ...a, state: 'failed' };
  }

  /** Keeps the agent unless a later revision of it is held. */
  putAgent(agent: AgentRecord): void {
    const held = this.agents.get(agent.id);
    if (held && (held.revision ?? 0) > (agent.revision ?? 0)) return;
    this.agents.set(agent.id, agent);
  }

  /** The record as stored if it may replace the task's current one (no record, or one of an epoch not later). */
  mayRecord(h: HandoffRecord): boolean {
    const held = this.handoffs.get(h.taskId);
    return !held || held.epoch <= h.epoch;
  }

  updated(taskId: string, epoch: number, from: HandoffStatus[], patch: Partial<HandoffRecord>): HandoffRecord | null {
    const h = this.handoffs.get(taskId);
    if (!h || h.epoch !== epoch || !from.includes(h.status)) return null;
    return { ...h, ...patch };
  }

  putHandoff(h: HandoffRecord): void {
    const held = this.handoffs.get(h.taskId);
    if (held) this.assigned.get(held.agentId)?.delete(held.taskId);
    this.handoffs.set(h.taskId, h);
    if (h.status !== 'assigned') return;
    let set = this.assigned.get(h.agentId);
    if (!set) this.assigned.set(h.agentId, (set = new Set()));
    set.add(h.taskId);
  }

  removeHandoff(taskId: string): void {
    const held = this.handoffs.get(taskId);
    if (held) this.assigned.get(held.agentId)?.delete(taskId);
    this.handoffs.delete(taskId);
  }

  handoffsOf(agentId: string): HandoffRecord[] {
    return [...(this.assigned.get(agentId) ?? [])].map((id) => structuredClone(this.handoffs.get(id)!));
  }

  waiting(limit: number): HandoffRecord[] {
    const out: HandoffRecord[] = [];
    for (const h of this.handoffs.values()) {
      if (out.length >= limit) break;
      if (h.status === 'waiting') out.push(structuredClone(h));
    }
    return out;
  }

  assignedCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [agentId, set] of this.assigned) if (set.size > 0) counts.set(agentId, set.size);
    return counts;
  }

  countByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const a of this.agents.values()) counts[a.state] = (counts[a.state] ?? 0) + 1;
    return counts;
  }

  list(filter: AgentFilter, limit: number, cursor?: string): AgentPage {
    const ids = [...this.agents.keys()].filter((id) => !cursor || id > cursor).sort();
    const page: AgentRecord[] = [];
    for (const id of ids) {
      const a = this.agents.get(id)!;
      if (!matches(a, filter)) continue;
      if (page.length === limit) return { agents: page, nextCursor: page[page.length - 1].id };
      page.push(structuredClone(a));
    }
    return { agents: page };
  }

  withCapabilities(capabilityIds: string[]): AgentRecord[] {
    const wanted = new Set(capabilityIds);
    return [...this.agents.values()].filter((a) => a.capabilities.some((c) => wanted.has(c.id))).map((a) => structuredClone(a));
  }

  *pages(pageSize: number): Iterable<AgentRecord[]> {
    const all = [...this.agents.values()];
    for (let i = 0; i < all.length; i += pageSize) yield all.slice(i, i + pageSize).map((a) => structuredClone(a));
  }
}

function matches(agent: AgentRecord, filter: AgentFilter): boolean {
  if (filter.state && agent.state !== filter.state) return false;
  if (filter.region && agent.metadata?.region !== filter.region) return false;
  if (filter.tag && !agent.metadata?.tags?.includes(filter.tag)) return false;
  if (filter.capability && !agent.capabilities.some((c) => c.id === filter.capability)) return false;
  return true;
}
