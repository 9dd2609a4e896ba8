import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CONSENSUS_ALGORITHMS, type ConsensusAlgorithmValue } from './common.dto';
import { MAX_ID_LENGTH, TaskRequestDto } from './task-request.dto';

export const MAX_CONFLICT_TASKS = 20_000;
export const STRATEGIES = ['preemptive', 'cooperative', 'sequential', 'parallel'] as const;

export class ResourceCapacityDto {
  @IsString() @Length(1, MAX_ID_LENGTH) id!: string;
  @IsNumber() @Min(0) capacity!: number;
}

export class SharedBudgetDto {
  @IsOptional() @IsNumber() @Min(0) maxTokens?: number;
  @IsOptional() @IsNumber() @Min(0) maxCost?: number;
  @IsOptional() @IsString() @Length(1, 20) currency?: string;
}

/** Weights of the strategy selection rule (docs/conflict.md); missing ones keep their defaults. */
export class ImpactWeightsDto {
  @IsOptional() @IsNumber() @Min(0) @Max(100) cost?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) quality?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) risk?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) delay?: number;
}

/** `ossa.conflict.detect` */
export class ConflictDetectRequest {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_CONFLICT_TASKS) @ValidateNested({ each: true }) @Type(() => TaskRequestDto)
  tasks!: TaskRequestDto[];
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_CONFLICT_TASKS) @ValidateNested({ each: true }) @Type(() => ResourceCapacityDto) resources?: ResourceCapacityDto[];
  @IsOptional() @ValidateNested() @Type(() => SharedBudgetDto) budget?: SharedBudgetDto;
}

/** `ossa.conflict.resolve` */
export class ConflictResolveRequest extends ConflictDetectRequest {
  /** The consensus algorithm that must agree on the resolution. */
  @IsOptional() @IsIn(CONSENSUS_ALGORITHMS, { message: `algorithm must be one of ${CONSENSUS_ALGORITHMS.join(', ')}` })
  algorithm?: ConsensusAlgorithmValue;
  @IsOptional() @IsArray() @ArrayMaxSize(STRATEGIES.length) @IsIn(STRATEGIES, { each: true }) strategies?: (typeof STRATEGIES)[number][];
  @IsOptional() @ValidateNested() @Type(() => ImpactWeightsDto) weights?: ImpactWeightsDto;
}
