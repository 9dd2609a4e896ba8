// Public API of @ossa/registry: pure capability matching, scoring and failover planning for the registry service.
export type {
  AgentState,
  Candidate,
  CapabilityCost,
  CapabilityMatch,
  CapabilityRequirement,
  HandoffTask,
  OfferedCapability,
  Priority,
  RegistryAgent,
  ScoreBreakdown,
  ScoredCandidate,
  ScoreWeights,
  Sla,
  TaskBudget,
} from './types';
export { isVersionCompatible, parseVersion, type ParsedVersion } from './version';
export {
  describeMissing,
  explainMissing,
  findCandidates,
  matchAgent,
  matchRequirement,
  readiness,
  type CandidateSearch,
  type MissingCapability,
  type Readiness,
  type SearchOptions,
} from './matching';
export {
  ALTERNATIVE_QUALITY,
  COMPLEXITY_EXPONENTS,
  DEFAULT_WEIGHTS,
  UNKNOWN_FIT,
  checkWeights,
  complexityExponent,
  effectiveSla,
  estimatedDurationMs,
  rankCandidates,
  scoreAndRank,
  scoreCandidate,
} from './scoring';
export { AgentIndex } from './agent-index';
export {
  PRIORITY_RANK,
  compareForFailover,
  planFailover,
  type FailoverEntry,
  type FailoverPlan,
} from './rebalance';
