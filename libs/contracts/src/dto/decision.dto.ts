import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ANALYSIS_METHODS, BIAS_CORRECTION_MODES, CONSTRAINT_OPERATORS, DECISION_CRITERIA, VOTING_SYSTEMS, type ConstraintOperator } from '../vocabulary';

// The enumerations are the decision core's: one list serves validation and the algorithms.
export { ANALYSIS_METHODS, BIAS_CORRECTION_MODES, DECISION_CRITERIA, VOTING_SYSTEMS };

/** Live ballot collection bounds: beyond `stakeholders` or `invitationBytes` the request is VALIDATION_FAILED. */
export const BALLOT_COLLECTION_LIMITS = {
  /** Stakeholders asked (those without a ballot in the request) per collection. */
  stakeholders: 5_000,
  /** Encoded size of the one invitation every asked stakeholder receives. */
  invitationBytes: 64 * 1024,
  /** Invitations sent before waiting for the server to take them (flush), and at most this many bytes per batch. */
  batch: 64,
  batchBytes: 1024 * 1024,
} as const;
const SNAKE = /^[a-z][a-z0-9_]*$/;
const SNAKE_MESSAGE = '$property must be a lower-case snake_case name (quality, cost, user_experience, ...)';

export class AlternativeAttributeDto {
  @Matches(SNAKE, { message: SNAKE_MESSAGE }) criterion!: string;
  @IsNumber({ allowNaN: false, allowInfinity: false }) value!: number;
  @IsOptional() @IsString() unit?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(1) confidence?: number;
  @IsOptional() @IsString() source?: string;
  @IsOptional() @IsISO8601({ strict: true }) timestamp?: string;
}

export class AlternativeImpactDto {
  @IsOptional() @IsObject() stakeholderImpact?: Record<string, number>;
  @IsOptional() @IsNumber() systemImpact?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) reversibility?: number;
  @IsOptional() @IsNumber() magnitude?: number;
  @IsOptional() @IsNumber() @Min(0) timeHorizon?: number;
}

export class AlternativeFeasibilityDto {
  @IsOptional() @IsNumber() @Min(0) @Max(1) technical?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) economic?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) operational?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) legal?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) overall?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) confidence?: number;
}

export class AlternativeCostDto {
  @IsOptional() @IsNumber() @Min(0) initial?: number;
  @IsOptional() @IsNumber() @Min(0) ongoing?: number;
  @IsOptional() @IsNumber() @Min(0) hidden?: number;
  @IsOptional() @IsNumber() @Min(0) opportunity?: number;
  @IsOptional() @IsNumber() @Min(0) total?: number;
  @IsOptional() @IsString() currency?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(1) confidence?: number;
}

export class AlternativeTimelineDto {
  @IsOptional() @IsNumber() @Min(0) planning?: number;
  @IsOptional() @IsNumber() @Min(0) implementation?: number;
  @IsOptional() @IsNumber() @Min(0) testing?: number;
  @IsOptional() @IsNumber() @Min(0) deployment?: number;
  @IsOptional() @IsNumber() @Min(0) total?: number;
}

export class DecisionAlternativeDto {
  @IsString() @Length(1, 200) id!: string;
  @IsString() @Length(1, 500) name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsString() proposedBy?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => AlternativeAttributeDto) attributes!: AlternativeAttributeDto[];
  @IsOptional() @ValidateNested() @Type(() => AlternativeImpactDto) impact?: AlternativeImpactDto;
  @IsOptional() @ValidateNested() @Type(() => AlternativeFeasibilityDto) feasibility?: AlternativeFeasibilityDto;
  @IsOptional() @ValidateNested() @Type(() => AlternativeCostDto) cost?: AlternativeCostDto;
  /** Strings, or `{id?, description, probability?, impact?, mitigation?, category?}` objects. */
  @IsOptional() @IsArray() risks?: unknown[];
  @IsOptional() @IsArray() benefits?: unknown[];
  /** Strings, or `{id, name?, dependsOn?, critical?}` objects. */
  @IsOptional() @IsArray() dependencies?: unknown[];
  @IsOptional() @ValidateNested() @Type(() => AlternativeTimelineDto) timeline?: AlternativeTimelineDto;
}

export class DecisionCriterionDto {
  @Matches(SNAKE, { message: SNAKE_MESSAGE }) criterion!: string;
  @IsNumber() @Min(0) weight!: number;
  @IsOptional() @IsString() rationale?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(1) stakeholderAgreement?: number;
  @IsOptional() @IsBoolean() adjustable?: boolean;
  @IsOptional() @IsIn(['benefit', 'cost']) direction?: 'benefit' | 'cost';
}

export class DecisionConstraintDto {
  @IsOptional() @IsString() id?: string;
  @Matches(SNAKE, { message: SNAKE_MESSAGE }) criterion!: string;
  @IsIn(CONSTRAINT_OPERATORS) operator!: ConstraintOperator;
  @IsNumber() value!: number;
  @IsOptional() @IsBoolean() hard?: boolean;
  @IsOptional() @IsString() description?: string;
}

export class StakeholderExpertiseDto {
  @IsOptional() @IsObject() domains?: Record<string, number>;
  @IsOptional() @IsNumber() @Min(0) experience?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) credentialScore?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) trackRecord?: number;
  @IsOptional() @IsISO8601({ strict: true }) lastUpdated?: string;
}

export class StakeholderBiasFactorsDto {
  @IsOptional() @IsObject() cognitive?: Record<string, number>;
  @IsOptional() @IsObject() personal?: Record<string, number>;
  @IsOptional() @IsObject() organizational?: Record<string, number>;
  @IsOptional() @IsNumber() @Min(0) @Max(1) temporal?: number;
}

export class StakeholderDto {
  @IsString() @Length(1, 200) id!: string;
  @IsOptional() @IsString() name?: string;
  @IsOptional() @IsString() role?: string;
  /** An alternative proposed by the voter's team counts as their own when self-interest is judged. */
  @IsOptional() @IsString() @Length(1, 200) team?: string;
  @IsOptional() @IsNumber() @Min(0) @Max(1) influence?: number;
  @IsOptional() @ValidateNested() @Type(() => StakeholderExpertiseDto) expertise?: StakeholderExpertiseDto;
  @IsOptional() @IsArray() @IsString({ each: true }) interests?: string[];
  @IsOptional() @IsNumber() @Min(0) votingWeight?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) trustScore?: number;
  @IsOptional() @ValidateNested() @Type(() => StakeholderBiasFactorsDto) biasFactors?: StakeholderBiasFactorsDto;
}

export class QuorumDto {
  @IsOptional() @IsInt() @Min(0) minimum?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) percentage?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) stakeholderTypes?: string[];
  @IsOptional() @IsNumber() @Min(0) @Max(1) expertiseThreshold?: number;
}

/** A stakeholder's vote: a ranking (best first), scores (higher is better) and/or approvals. */
export class BallotDto {
  @IsString() @Length(1, 200) stakeholderId!: string;
  @IsOptional() @IsArray() @IsString({ each: true }) ranking?: string[];
  @IsOptional() @IsObject() scores?: Record<string, number>;
  @IsOptional() @IsArray() @IsString({ each: true }) approve?: string[];
  @IsOptional() @IsISO8601({ strict: true }) castAt?: string;
}

export class PairwiseDto {
  @IsArray() @IsArray({ each: true }) criteria!: number[][];
}

export class AnalysisDto {
  @IsIn(ANALYSIS_METHODS, { message: `method must be one of ${ANALYSIS_METHODS.join(', ')}` }) method!: (typeof ANALYSIS_METHODS)[number];
  @IsOptional() @ValidateNested() @Type(() => PairwiseDto) pairwise?: PairwiseDto;
}

/** Live ballot collection: stakeholders without a ballot in the request are asked on `<prefix>.agents.<id>.ballot`. */
export class BallotCollectionDto {
  /** How long to wait for ballots (bounded by the deadline). */
  @IsInt() @Min(1) @Max(600_000) windowMs!: number;
}

/** `ossa.decision.make`: the seed's decision request plus `ballots`, `analysis` and `collection`. */
export class DecisionRequestDto {
  @IsString() @Length(1, 200) id!: string;
  @IsString() @Length(1, 500) title!: string;
  @IsOptional() @IsString() description?: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => DecisionAlternativeDto)
  alternatives!: DecisionAlternativeDto[];
  @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => DecisionCriterionDto) criteria!: DecisionCriterionDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DecisionConstraintDto) constraints?: DecisionConstraintDto[];
  @IsArray() @ArrayMaxSize(20_000) @ValidateNested({ each: true }) @Type(() => StakeholderDto) stakeholders!: StakeholderDto[];
  @IsOptional() @IsISO8601({ strict: true }) deadline?: string;
  @IsIn(VOTING_SYSTEMS, { message: `votingSystem must be one of ${VOTING_SYSTEMS.join(', ')}` }) votingSystem!: (typeof VOTING_SYSTEMS)[number];
  @IsOptional() @ValidateNested() @Type(() => QuorumDto) quorum?: QuorumDto;
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  @IsOptional() @IsArray() @ArrayMaxSize(20_000) @ValidateNested({ each: true }) @Type(() => BallotDto) ballots?: BallotDto[];
  @IsOptional() @ValidateNested() @Type(() => AnalysisDto) analysis?: AnalysisDto;
  @IsOptional() @ValidateNested() @Type(() => BallotCollectionDto) collection?: BallotCollectionDto;
  /** `auto` (default): only evidence about a voter changes weights; `all`, `report`, `off`: see docs/decision.md. */
  @IsOptional() @IsIn(BIAS_CORRECTION_MODES, { message: `biasCorrection must be one of ${BIAS_CORRECTION_MODES.join(', ')}` })
  biasCorrection?: (typeof BIAS_CORRECTION_MODES)[number];
}
