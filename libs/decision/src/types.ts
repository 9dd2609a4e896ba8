// Wire form of the seed's decision request and of our reply: maps are plain objects, dates ISO strings,
// enum values lower-case snake_case strings.

import { DECISION_CRITERIA, type AnalysisMethod, type BiasCorrectionMode, type VotingSystem } from '@ossa/contracts/vocabulary';

export {
  ANALYSIS_METHODS,
  BIAS_CORRECTION_MODES,
  DECISION_CRITERIA,
  VOTING_SYSTEMS,
  type AnalysisMethod,
  type BiasCorrectionMode,
  type VotingSystem,
} from '@ossa/contracts/vocabulary';

/** The seed's criteria; any other snake_case name is accepted too. */
export type DecisionCriterion = (typeof DECISION_CRITERIA)[number] | (string & {});

export type CriterionDirection = 'benefit' | 'cost';

export interface AlternativeAttribute {
  criterion: DecisionCriterion;
  value: number;
  unit?: string;
  /** How much the value can be trusted, 0..1 (missing = 1). */
  confidence?: number;
  source?: string;
  timestamp?: string;
}

export interface AlternativeImpact {
  stakeholderImpact?: Record<string, number>;
  systemImpact?: number;
  /** 0 = cannot be undone, 1 = trivially undone. */
  reversibility?: number;
  magnitude?: number;
  /** Months. */
  timeHorizon?: number;
}

export interface AlternativeFeasibility {
  technical?: number;
  economic?: number;
  operational?: number;
  legal?: number;
  overall?: number;
  confidence?: number;
}

export interface AlternativeCost {
  initial?: number;
  ongoing?: number;
  hidden?: number;
  opportunity?: number;
  total?: number;
  currency?: string;
  confidence?: number;
}

export interface AlternativeRisk {
  id?: string;
  description: string;
  /** 0..1 */
  probability?: number;
  /** 0..1 */
  impact?: number;
  mitigation?: string;
  category?: string;
}

export interface AlternativeDependency {
  id: string;
  name?: string;
  /** Ids of other dependencies of the same alternative that must come first. */
  dependsOn?: string[];
  critical?: boolean;
}

/** Days per phase. */
export interface AlternativeTimeline {
  planning?: number;
  implementation?: number;
  testing?: number;
  deployment?: number;
  total?: number;
}

export interface DecisionAlternative {
  id: string;
  name: string;
  description?: string;
  /** Team, role or stakeholder id that proposed it. */
  proposedBy?: string;
  attributes: AlternativeAttribute[];
  impact?: AlternativeImpact;
  feasibility?: AlternativeFeasibility;
  cost?: AlternativeCost;
  risks?: Array<AlternativeRisk | string>;
  benefits?: Array<unknown>;
  dependencies?: Array<AlternativeDependency | string>;
  timeline?: AlternativeTimeline;
}

export interface DecisionCriterionSpec {
  criterion: DecisionCriterion;
  weight: number;
  rationale?: string;
  /** 0..1, how far stakeholders agree on this weight. */
  stakeholderAgreement?: number;
  adjustable?: boolean;
  /** Default: cost, risk and time-like criteria are 'cost' (lower is better), the rest 'benefit'. */
  direction?: CriterionDirection;
}

import type { ConstraintOperator } from '@ossa/contracts/vocabulary';

export type { ConstraintOperator };

export interface DecisionConstraint {
  id?: string;
  criterion: DecisionCriterion;
  operator: ConstraintOperator;
  value: number;
  /** Default true: a violating alternative is excluded. Soft ones are only reported. */
  hard?: boolean;
  description?: string;
}

export interface StakeholderExpertise {
  domains?: Record<string, number>;
  experience?: number;
  credentialScore?: number;
  trackRecord?: number;
  lastUpdated?: string;
}

export interface StakeholderBiasFactors {
  cognitive?: Record<string, number>;
  personal?: Record<string, number>;
  organizational?: Record<string, number>;
  temporal?: number;
}

export interface Stakeholder {
  id: string;
  name?: string;
  role?: string;
  /** The voter's team; an alternative proposed by it counts as their own (self-interest). */
  team?: string;
  influence?: number;
  expertise?: StakeholderExpertise;
  interests?: string[];
  votingWeight?: number;
  trustScore?: number;
  biasFactors?: StakeholderBiasFactors;
}

export interface Quorum {
  minimum?: number;
  /** Fraction of stakeholders (0..1); a value above 1 is read as a percentage. */
  percentage?: number;
  stakeholderTypes?: string[];
  expertiseThreshold?: number;
}

export interface Ballot {
  stakeholderId: string;
  /** Best first. Alternatives not listed share the last place. */
  ranking?: string[];
  /** Higher is better. */
  scores?: Record<string, number>;
  approve?: string[];
  castAt?: string;
}

export interface AnalysisSpec {
  method: AnalysisMethod;
  /** Saaty pairwise matrix over the criteria in the order of `criteria[]`. */
  pairwise?: { criteria: number[][] };
}

/**
 * An alternative as it arrives on the wire: its open-ended lists (risks, benefits, dependencies) are checked
 * element by element by the core itself, so they come in as unknown[].
 */
export type DecisionAlternativeInput = Omit<DecisionAlternative, 'risks' | 'benefits' | 'dependencies'> & {
  risks?: unknown[];
  benefits?: unknown[];
  dependencies?: unknown[];
};

/** What makeDecision accepts: a request before the core's own checks (the wire DTO is assignable to it). */
export type DecisionRequestInput = Omit<DecisionRequest, 'alternatives'> & { alternatives: DecisionAlternativeInput[] };

export interface DecisionRequest {
  id: string;
  title: string;
  description?: string;
  alternatives: DecisionAlternative[];
  criteria: DecisionCriterionSpec[];
  constraints?: DecisionConstraint[];
  stakeholders: Stakeholder[];
  deadline?: string;
  votingSystem: VotingSystem;
  quorum?: Quorum;
  metadata?: Record<string, unknown> & { tags?: string[]; reversibility?: number };
  ballots?: Ballot[];
  analysis?: AnalysisSpec;
  /** Default `auto`; see BIAS_CORRECTION_MODES. */
  biasCorrection?: BiasCorrectionMode;
}
