/** An agent as the registry keeps it: the seed's agent record in wire form (dates as ISO strings). */
export interface AgentCapabilityRecord {
  id: string;
  name?: string;
  version?: string;
  parameters?: unknown;
  constraints?: unknown;
  cost?: { baseUnits?: number; scalingFactor?: number; currency?: string; budgetRequired?: boolean };
  sla?: Record<string, number>;
}

export interface AgentRecord {
  id: string;
  name: string;
  type: string;
  capabilities: AgentCapabilityRecord[];
  state: string;
  currentLoad: number;
  maxLoad: number;
  sla?: Record<string, number>;
  trustScore: number;
  lastHeartbeat: string;
  /** Grows with every change of the record in the store; registry instances keep the newest they have seen. */
  revision?: number;
  metadata?: { version?: string; framework?: string; region?: string; tags?: string[]; owner?: string; createdAt?: string; lastUpdated?: string };
}

export interface AgentFilter {
  capability?: string;
  state?: string;
  region?: string;
  tag?: string;
}

export interface AgentPage {
  agents: AgentRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** A task handed to an agent and not yet completed. */
export interface HandoffRecord {
  taskId: string;
  agentId: string;
  negotiationId: string;
  status: 'assigned' | 'completed' | 'failed';
  task: Record<string, unknown>;
  assignedAt: string;
  completedAt?: string;
  /** How many times the task was handed over again after an agent failed. */
  failovers: number;
}

/** Where agents and in-flight handoffs live: MongoDB when configured, else this process's memory. */
export interface RegistryStore {
  readonly durable: boolean;
  /** Stores the agent (same id: replaces it) and answers with the stored record and its new revision. */
  upsertAgent(agent: AgentRecord): Promise<{ created: boolean; agent: AgentRecord }>;
  /** upsertAgent for many agents at once (answers in the same order). */
  upsertAgents(agents: AgentRecord[]): Promise<{ created: boolean; agent: AgentRecord }[]>;
  getAgent(id: string): Promise<AgentRecord | null>;
  removeAgent(id: string): Promise<boolean>;
  countAgents(): Promise<number>;
  countByState(): Promise<Record<string, number>>;
  listAgents(filter: AgentFilter, limit: number, cursor?: string): Promise<AgentPage>;
  /** Agents offering any of these capability ids (the exact match is the core's). */
  agentsWithCapabilities(capabilityIds: string[]): Promise<AgentRecord[]>;
  heartbeat(id: string, at: string, patch: { currentLoad?: number; state?: string }): Promise<AgentRecord | null>;
  /**
   * Adds `delta` to the agent's load; null when no such agent, or for a new assignment (`delta` > 0) when it
   * would pass maxLoad or the agent is not available.
   */
  adjustLoad(id: string, delta: number, maxLoadHint?: number): Promise<AgentRecord | null>;
  /** Marks an agent failed if its last heartbeat is older than `cutoff` and it is not failed already; the record for the one caller that did it, else null. */
  failIfStale(id: string, cutoff: string): Promise<AgentRecord | null>;
  /** Every agent, a page at a time (for the in-memory directory of each instance). */
  allAgents(pageSize: number): AsyncIterable<AgentRecord[]>;
  putHandoff(handoff: HandoffRecord): Promise<void>;
  /** Stores the handoff unless one exists for the task; false when another instance got there first. */
  insertHandoffIfAbsent(handoff: HandoffRecord): Promise<boolean>;
  getHandoff(taskId: string): Promise<HandoffRecord | null>;
  handoffsOf(agentId: string): Promise<HandoffRecord[]>;
  /** Moves a handoff from one agent to another only if it is still assigned to `from`. */
  reassignHandoff(taskId: string, from: string, to: string, negotiationId: string): Promise<boolean>;
  completeHandoff(taskId: string, agentId: string, status: 'completed' | 'failed', at: string): Promise<HandoffRecord | null>;
  close(): Promise<void>;
}
