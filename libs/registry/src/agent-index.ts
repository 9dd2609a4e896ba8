// In-memory capability index: capability id → the agents offering it. A candidate search walks only the
// agents offering the requirement with the fewest offers (its id plus alternatives), so its cost grows with
// the matching agents, not with the registry. Capabilities are read at upsert; state, load and heartbeat are
// read at query time, so an agent's record may be updated in place between upserts for those fields only.
import { searchPool, type CandidateSearch, type SearchOptions } from './matching';
import type { CapabilityRequirement, HandoffTask, RegistryAgent } from './types';

export class AgentIndex<A extends RegistryAgent = RegistryAgent> {
  private readonly agents = new Map<string, A>();
  private readonly offers = new Map<string, Map<string, A>>();
  /** The capability ids each agent was indexed under, as they were at upsert. */
  private readonly indexedUnder = new Map<string, string[]>();

  get size(): number {
    return this.agents.size;
  }

  get(agentId: string): A | undefined {
    return this.agents.get(agentId);
  }

  has(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  values(): IterableIterator<A> {
    return this.agents.values();
  }

  /** Adds the agent or replaces the record with the same id. */
  upsert(agent: A): void {
    this.unlink(agent.id);
    const ids = [...new Set(agent.capabilities.map((c) => c.id))];
    this.agents.set(agent.id, agent);
    this.indexedUnder.set(agent.id, ids);
    for (const id of ids) {
      let holders = this.offers.get(id);
      if (!holders) this.offers.set(id, (holders = new Map()));
      holders.set(agent.id, agent);
    }
  }

  remove(agentId: string): boolean {
    if (!this.agents.has(agentId)) return false;
    this.unlink(agentId);
    this.agents.delete(agentId);
    return true;
  }

  /** Agents offering this capability id (any version, any state). */
  offering(capabilityId: string): A[] {
    return [...(this.offers.get(capabilityId)?.values() ?? [])];
  }

  /** Number of agents offering this capability id. */
  countOffering(capabilityId: string): number {
    return this.offers.get(capabilityId)?.size ?? 0;
  }

  /** Same answer as findCandidates over every indexed agent (candidates in the index's order). */
  findCandidates(task: HandoffTask, now: number, options: SearchOptions = {}): CandidateSearch {
    const requirements = task.requiredCapabilities ?? [];
    if (requirements.length === 0)
      return searchPool(task, this.agents.values(), now, options, () => this.agents.values());
    let narrowest = requirements[0];
    let narrowestCount = Infinity;
    for (const requirement of requirements) {
      const count = this.idsOf(requirement).reduce((n, id) => n + this.countOffering(id), 0);
      if (count < narrowestCount) [narrowest, narrowestCount] = [requirement, count];
    }
    return searchPool(task, this.holders([narrowest]), now, options, () => this.holders(requirements));
  }

  private idsOf(requirement: CapabilityRequirement): string[] {
    return [requirement.capabilityId, ...(requirement.alternatives ?? [])];
  }

  /** Agents offering any id of the requirements, each once. */
  private holders(requirements: readonly CapabilityRequirement[]): Iterable<A> {
    const ids = [...new Set(requirements.flatMap((r) => this.idsOf(r)))];
    if (ids.length === 1) return this.offers.get(ids[0])?.values() ?? [];
    const seen = new Map<string, A>();
    for (const id of ids) for (const [agentId, agent] of this.offers.get(id) ?? []) seen.set(agentId, agent);
    return seen.values();
  }

  private unlink(agentId: string): void {
    for (const id of this.indexedUnder.get(agentId) ?? []) {
      const holders = this.offers.get(id);
      if (!holders) continue;
      holders.delete(agentId);
      if (holders.size === 0) this.offers.delete(id);
    }
    this.indexedUnder.delete(agentId);
  }
}
