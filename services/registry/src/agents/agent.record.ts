import type { AgentStateValue, HandoffRequestDto } from '@ossa/contracts';

/** An agent as the registry keeps it: the seed's agent record in wire form (dates as ISO strings). */
export interface AgentCapabilityRecord {
  id: string;
  name?: string;
  version?: string;
  parameters?: unknown;
  constraints?: unknown;
  cost?: { baseUnits: number; scalingFactor: number; currency?: string; budgetRequired?: boolean };
  sla?: Record<string, number>;
}

export interface AgentRecord {
  id: string;
  name: string;
  type: string;
  capabilities: AgentCapabilityRecord[];
  state: AgentStateValue;
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
  state?: AgentStateValue;
  region?: string;
  tag?: string;
}

export interface AgentPage {
  agents: AgentRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * The registry's record of one task's current epoch (the ledger's state machine is the authority; this
 * record finds a task by agent or status, and carries the task itself). One record per task: a later epoch
 * replaces it.
 */
export interface HandoffRecord {
  taskId: string;
  agentId: string;
  negotiationId: string;
  /** The ledger epoch this record belongs to (see handoff-state.ts). */
  epoch: number;
  /**
   * assigned: the agent holds it (counts toward its load); waiting: taken from a failed or removed agent, to
   * be negotiated again; completed / failed: done; released: superseded before delivery.
   */
  status: 'assigned' | 'waiting' | 'completed' | 'failed' | 'released';
  /** The task as it was submitted (validated then). */
  task: HandoffRequestDto;
  assignedAt: string;
  completedAt?: string;
  /** How many times the task was handed over again after an agent failed. */
  failovers: number;
}

export type HandoffStatus = HandoffRecord['status'];

/** Where agents and handoff records live: MongoDB when configured, else a JetStream key-value bucket (or memory, in tests). */
export interface RegistryStore {
  readonly durable: boolean;
  /**
   * Stores the agent (same id: replaces its registration) and answers with the stored record and its new
   * revision. The load is the registry's: a new agent starts at 0, an agent registered again keeps its load.
   */
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
  /** Records a heartbeat (and a state the agent reports); never the load, which the registry keeps. */
  heartbeat(id: string, at: string, patch: { state?: AgentStateValue }): Promise<AgentRecord | null>;
  /**
   * Adds `delta` to the agent's load; null when no such agent, or for a new assignment (`delta` > 0) when it
   * would pass maxLoad or the agent is not available.
   */
  adjustLoad(id: string, delta: number, maxLoadHint?: number): Promise<AgentRecord | null>;
  /** Sets the load to `value` only if it is `expected` now (reconciliation from the assignments); null otherwise. */
  setLoad(id: string, expected: number, value: number): Promise<AgentRecord | null>;
  /** Marks an agent failed if its last heartbeat is older than `cutoff` and it is not failed already; the record for the one caller that did it, else null. */
  failIfStale(id: string, cutoff: string): Promise<AgentRecord | null>;
  /** Every agent, a page at a time (for the in-memory directory of each instance). */
  allAgents(pageSize: number): AsyncIterable<AgentRecord[]>;
  /** Stores the record unless the task's stored record has a later epoch; true when stored (same epoch: replaced). */
  recordHandoff(handoff: HandoffRecord): Promise<boolean>;
  getHandoff(taskId: string): Promise<HandoffRecord | null>;
  /** Changes the record only if it still has this epoch and is in one of `from`; the new record, else null. */
  updateHandoff(taskId: string, epoch: number, from: HandoffStatus[], patch: { status: HandoffStatus; completedAt?: string; failovers?: number }): Promise<HandoffRecord | null>;
  /** The agent's records in status assigned. */
  handoffsOf(agentId: string): Promise<HandoffRecord[]>;
  /** Up to `limit` records in status waiting. */
  waitingHandoffs(limit: number): Promise<HandoffRecord[]>;
  /** Records in status assigned, counted per agent: the loads the agents' counters must equal. */
  assignedCounts(): Promise<Map<string, number>>;
  /** Stores that watch their own storage (the key-value store) call this with every agent change, from any instance. */
  onAgentChange?(listener: (change: { agent: AgentRecord } | { removed: string }) => void): void;
  close(): Promise<void>;
}
