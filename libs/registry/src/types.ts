// Wire-form shapes the registry core reads. They are structural subsets of the contract DTOs
// (AgentDto, TaskRequestDto), so a validated DTO or a stored document can be passed as is.

import type { AgentStateValue } from '@ossa/contracts/vocabulary';

export type AgentState = AgentStateValue;
export type Priority = 'critical' | 'high' | 'medium' | 'low';

/** The seed's SLA block; every figure optional. */
export interface Sla {
  responseTimeMs?: number;
  availabilityPercent?: number;
  throughputPerSecond?: number;
  errorRatePercent?: number;
  recoveryTimeMs?: number;
}

export interface CapabilityCost {
  baseUnits: number;
  scalingFactor: number;
  currency?: string;
  budgetRequired?: boolean;
}

export interface OfferedCapability {
  id: string;
  name?: string;
  version?: string;
  cost?: CapabilityCost;
  sla?: Sla;
}

export interface RegistryAgent {
  id: string;
  capabilities: readonly OfferedCapability[];
  state: AgentState;
  currentLoad: number;
  maxLoad: number;
  sla?: Sla;
  trustScore: number;
  /** ISO 8601. */
  lastHeartbeat?: string;
}

export interface CapabilityRequirement {
  capabilityId: string;
  version?: string;
  /** Capability ids that may stand in for `capabilityId`, in order of preference. */
  alternatives?: readonly string[];
  /** Relative importance in the capability score; default 1. */
  weight?: number;
}

export interface TaskBudget {
  maxTokens?: number;
  maxCost?: number;
  currency?: string;
}

export interface HandoffTask {
  id: string;
  requiredCapabilities?: readonly CapabilityRequirement[];
  priority: Priority;
  /** ISO 8601. */
  deadline?: string;
  budget?: TaskBudget;
  slaRequirements?: Sla;
  /** `estimatedDuration` in seconds; `complexity` picks the cost exponent. */
  metadata?: { estimatedDuration?: number; complexity?: string; createdAt?: string };
  /** Seconds; overrides metadata.estimatedDuration. */
  duration?: number;
}

/** How one requirement is met by one agent. */
export interface CapabilityMatch {
  /** The requirement's capabilityId. */
  requested: string;
  /** The capability the agent offers for it (the requested id or one of its alternatives). */
  offered: OfferedCapability;
  viaAlternative: boolean;
  weight: number;
}

export interface Candidate {
  agent: RegistryAgent;
  matches: CapabilityMatch[];
}

export interface ScoreBreakdown {
  capability: number;
  load: number;
  sla: number;
  cost: number;
  trust: number;
  deadline: number;
}

export interface ScoredCandidate {
  agentId: string;
  /** Weighted mean of the breakdown, in [0, 1]. */
  score: number;
  breakdown: ScoreBreakdown;
  /** Sum of the matched capabilities' `baseUnits × scalingFactor^complexity`. */
  estimatedCost: number;
}

export type ScoreWeights = ScoreBreakdown;
