// Reply shapes of makeDecision (wire form). The service adds decisionId.
import type { QuorumMissing } from './errors';
import type { AnalysisMethod, DecisionAlternative, VotingSystem } from './types';

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
  /** Instant runoff rounds. */
  rounds?: Array<{ counts: Record<string, number>; eliminated: string | null; exhausted: number }>;
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
  stakeholderIds: string[];
  alternativeId?: string;
  /** Multiplier applied to the ballots' weight. */
  factor: number;
  evidence: string;
  /** Applying this correction alone, or undoing it from the full set, changes the winner (per rule if `basis` is 'rule'). */
  changedOutcome: boolean;
}

export interface BiasReport {
  corrected: boolean;
  findings: BiasFinding[];
  uncorrectedWinner: string | null;
  changedOutcome: boolean;
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
