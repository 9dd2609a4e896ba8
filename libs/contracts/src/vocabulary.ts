// The shared vocabulary of the wire contract: enumerations and plain command shapes, with no decorator and
// no import, so the domain cores may use them (`@ossa/contracts/vocabulary`) without the DTO machinery.

export const TASK_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type TaskPriorityValue = (typeof TASK_PRIORITIES)[number];

export const CONSENSUS_ALGORITHMS = ['raft', 'pbft', 'simple_majority'] as const;
export type ConsensusAlgorithmValue = (typeof CONSENSUS_ALGORITHMS)[number];

/** The seed's decision criteria; any other snake_case name is accepted too. */
export const DECISION_CRITERIA = [
  'quality',
  'cost',
  'time',
  'risk',
  'performance',
  'scalability',
  'security',
  'maintainability',
  'compliance',
  'user_experience',
] as const;

export const VOTING_SYSTEMS = [
  'simple_majority',
  'plurality',
  'weighted',
  'expertise_weighted',
  'trust_weighted',
  'stakeholder_weighted',
  'borda',
  'condorcet',
  'approval',
  'ranked_choice',
  'two_round',
] as const;
export type VotingSystem = (typeof VOTING_SYSTEMS)[number];

export const ANALYSIS_METHODS = ['weighted_sum', 'topsis', 'ahp'] as const;
export type AnalysisMethod = (typeof ANALYSIS_METHODS)[number];

/**
 * How bias findings act on ballot weights: `auto` (default) corrects only findings with evidence about the
 * voter (declared bias, self-interest); `all` also corrects statistical findings (outlier, herding); `report`
 * detects and reports without changing any weight; `off` does not look.
 */
export const BIAS_CORRECTION_MODES = ['auto', 'all', 'report', 'off'] as const;
export type BiasCorrectionMode = (typeof BIAS_CORRECTION_MODES)[number];

export const LEDGER_OPS = ['put', 'cas', 'delete'] as const;
export type LedgerOp = (typeof LEDGER_OPS)[number];

/** A command of the coordination ledger, the key-value state machine replicated by the consensus service. */
export interface LedgerCommand {
  op: LedgerOp;
  key: string;
  value?: string;
  /** For `cas`: the value the key must hold now; absent means "no value yet". */
  expected?: string;
  /** Client session (Raft thesis §6.3): a retried (clientId, requestId) is applied once and answered from the cache. */
  clientId?: string;
  requestId?: number;
  /**
   * For clients with several requests in flight: the lowest request id the client has no answer for yet. The
   * session then keeps an answer for every request from there on, so requests applied out of their sending
   * order are each applied once; without it the client is taken to send one at a time.
   */
  firstOutstanding?: number;
}

export const CONSTRAINT_OPERATORS = ['lt', 'lte', 'gt', 'gte', 'eq', 'neq'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

/** Agent states on the wire (the seed's AgentState, lower-case). */
export const AGENT_STATES = ['available', 'busy', 'offline', 'failed', 'maintenance'] as const;
export type AgentStateValue = (typeof AGENT_STATES)[number];
