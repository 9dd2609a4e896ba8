// Reply shapes of makeDecision (wire form). The service adds decisionId.
import type { QuorumMissing } from './errors';
import type { AnalysisMethod, BiasCorrectionMode, DecisionAlternative, VotingSystem } from './types';

export type DecisionOutcome = 'decided' | 'no_majority' | 'no_feasible_alternative';

export interface RankedAlternative {
  alternativeId: string;
  score: number;
}

export interface Tally {
  system: VotingSystem;
  ballotsCounted: number;
  totalWeight: number;
  /** The system's own count per alternative (votes, points, approvals, Schulze wins, last-round votes). */
  counts: Record<string, number>;
  /** Alternatives in the system's order, best first. */
  order: string[];
  winner: string | null;
  /** More than one alternative shared the top; the tie-break order picked the winner. */
  tieBroken: boolean;
  majorityThreshold?: number;
  /** Instant runoff and two-round rounds (`advanced`: who goes on from a two-round round). */
  rounds?: Array<{
    counts: Record<string, number>;
    eliminated: string | null;
    exhausted: number;
    advanced?: string[];
  }>;
  /** Schulze pairwise preferences d[x][y] and strongest paths p[x][y] (only up to 25 alternatives). */
  pairwise?: Record<string, Record<string, number>>;
  strongestPaths?: Record<string, Record<string, number>>;
  condorcetWinner?: string | null;
}

export type QuorumShortfall = QuorumMissing;

export interface QuorumReport {
  applied: boolean;
  met: boolean;
  voters: number;
  eligible: number;
  participation: number;
  rolesPresent: string[];
  meanExpertise: number;
  missing: QuorumShortfall[];
}

export type BiasRule = 'declared' | 'self_favouring' | 'outlier' | 'herding';

export interface BiasFinding {
  rule: BiasRule;
  /** `evidence`: about the voter (declared bias, self-interest); `statistical`: about the ballot's shape alone. */
  kind: 'evidence' | 'statistical';
  stakeholderIds: string[];
  alternativeId?: string;
  /** Multiplier this finding calls for on its ballots' weight. */
  factor: number;
  /** Whether the factor was applied (mode `auto`: evidence findings; `all`: every finding; `report`: none). */
  applied: boolean;
  /** Total weight of its ballots under the voting system, and after this finding's factor (equal if not applied). */
  weightBefore: number;
  weightAfter: number;
  evidence: string;
  /**
   * Applied: applying this correction alone, or undoing it from the applied set, changes the winner. Not applied:
   * applying it on top of the applied set would change the winner. Per rule if `basis` is 'rule'.
   */
  changedOutcome: boolean;
}

/** One ballot whose weight the correction changed. */
export interface WeightAdjustment {
  stakeholderId: string;
  from: number;
  to: number;
  /** Product of the applied factors (never below 0.1). */
  factor: number;
  rules: BiasRule[];
}

export interface BiasReport {
  mode: BiasCorrectionMode;
  /** Some ballot's weight was changed. */
  corrected: boolean;
  findings: BiasFinding[];
  adjustments: WeightAdjustment[];
  /** Weight taken off by the correction, and as a share of the uncorrected total weight. */
  weightMoved: number;
  shareMoved: number;
  /** The voting rule's winner on the uncorrected weights, and the winner after correction. */
  uncorrectedWinner: string | null;
  correctedWinner: string | null;
  changedOutcome: boolean;
  /** One sentence: what was corrected, by how much, and whether and why the outcome changed. */
  explanation: string;
  basis: 'finding' | 'rule';
}

export interface WeightChange {
  criterion: string;
  from: number;
  to: number;
  delta: number;
  newWinner: string;
}

export interface SensitivityReport {
  method: 'closed_form' | 'grid_bisection';
  /** The analysis winner whose lead is examined. */
  leader: string | null;
  smallestChange: WeightChange | null;
  perCriterion: Array<{ criterion: string; adjustable: boolean; change: WeightChange | null }>;
}

export interface ExcludedAlternative {
  alternativeId: string;
  reasons: Array<{
    constraintId: string;
    criterion: string;
    operator: string;
    limit: number;
    actual: number | null;
    message: string;
  }>;
}

export interface AnalysisReport {
  method: AnalysisMethod;
  weights: Record<string, number>;
  directions: Record<string, 'benefit' | 'cost'>;
  scores: RankedAlternative[];
  consistency?: { lambdaMax: number; consistencyIndex: number; randomIndex: number; ratio: number };
  imputed: Array<{ alternativeId: string; criterion: string; value: number }>;
  softViolations: ExcludedAlternative[];
  /** Criteria no feasible alternative has a value for; a vote decides without them (absent when none). */
  unmeasured?: string[];
}

export interface PlanPhase {
  name: 'planning' | 'implementation' | 'testing' | 'deployment' | 'contingency';
  days: number;
  start: string;
  end: string;
}

export interface PlanRisk {
  description: string;
  probability: number;
  impact: number;
  exposure: number;
  level: 'low' | 'medium' | 'high';
  mitigation: string;
}

export interface RollbackPlan {
  reversibility: number;
  strategy: 'simple_revert' | 'staged_rollback' | 'irreversible_safeguards';
  windowDays: number;
  estimatedEffortDays: number;
  steps: string[];
}

export interface ImplementationPlan {
  alternativeId: string;
  start: string;
  end: string;
  totalDays: number;
  phases: PlanPhase[];
  dependencies: Array<{ id: string; name: string; critical: boolean }>;
  risks: PlanRisk[];
  milestones: Array<{ name: string; date: string }>;
  rollback: RollbackPlan;
}

export interface ConfidenceBreakdown {
  margin: number;
  agreement: number;
  evidence: number;
  robustness: number;
}

export interface DecisionResult {
  outcome: DecisionOutcome;
  decidedBy: 'vote' | 'analysis';
  winningAlternative: DecisionAlternative | null;
  ranking: RankedAlternative[];
  confidence: number;
  confidenceBreakdown: ConfidenceBreakdown;
  votingSystem: VotingSystem;
  tally: Tally | null;
  quorum: QuorumReport;
  biases: BiasReport;
  sensitivity: SensitivityReport;
  plan: ImplementationPlan | null;
  excluded: ExcludedAlternative[];
  analysis: AnalysisReport;
}
