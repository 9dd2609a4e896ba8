import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SlaDto, TASK_PRIORITIES, type TaskPriorityValue } from './common.dto';

export const MAX_ID_LENGTH = 200;

export class RequiredCapabilityDto {
  @IsString() @Length(1, MAX_ID_LENGTH) capabilityId!: string;
  @IsOptional() @IsString() @Length(1, 50) version?: string;
  @IsOptional() @IsObject() parameters?: Record<string, unknown>;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, MAX_ID_LENGTH, { each: true }) alternatives?: string[];
  @IsOptional() @IsNumber() @Min(0) weight?: number;
}

export class BudgetAllocationDto {
  @IsOptional() @IsNumber() @Min(0) planning?: number;
  @IsOptional() @IsNumber() @Min(0) execution?: number;
  @IsOptional() @IsNumber() @Min(0) review?: number;
  @IsOptional() @IsNumber() @Min(0) integration?: number;
  @IsOptional() @IsNumber() @Min(0) contingency?: number;
}

export class BudgetTrackingDto {
  @IsOptional() @IsNumber() spent?: number;
  @IsOptional() @IsNumber() allocated?: number;
  @IsOptional() @IsNumber() remaining?: number;
  @IsOptional() @IsNumber() projectedOverrun?: number;
  @IsOptional() @IsArray() @ArrayMaxSize(100) alerts?: unknown[];
}

export class TaskBudgetDto {
  @IsOptional() @IsNumber() @Min(0) maxTokens?: number;
  @IsOptional() @IsNumber() @Min(0) maxCost?: number;
  @IsOptional() @IsString() @Length(1, 10) currency?: string;
  @IsOptional() @ValidateNested() @Type(() => BudgetAllocationDto) allocation?: BudgetAllocationDto;
  @IsOptional() @ValidateNested() @Type(() => BudgetTrackingDto) tracking?: BudgetTrackingDto;
}

export class SecurityContextDto {
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(200, { each: true }) permissions?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(200, { each: true }) restrictions?: string[];
  @IsOptional() @IsBoolean() auditRequired?: boolean;
  @IsOptional() @IsString() @MaxLength(50) encryptionLevel?: string;
}

/** A confidential value sealed with AES-256-GCM by its sender (`@ossa/security` sealJson); only key holders open it. */
export class SealedValueDto {
  @IsIn(['aes-256-gcm'], { message: 'enc must be aes-256-gcm' }) enc!: 'aes-256-gcm';
  @IsString() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'kid must be a key id (1-64 letters, digits, _ . -)' }) kid!: string;
  @IsString() @Matches(/^[A-Za-z0-9+/]{16}$/, { message: 'iv must be 12 bytes in base64' }) iv!: string;
  @IsString() @Matches(/^[A-Za-z0-9+/]{22}==$/, { message: 'tag must be 16 bytes in base64' }) tag!: string;
  @IsString() @Length(0, 1_400_000) @Matches(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'ct must be base64' }) ct!: string;
}

export class TaskContextDto {
  /** The confidential part of the context, sealed end to end for the agent that takes the task (associated data `task/<id>#context`). */
  @IsOptional() @ValidateNested() @Type(() => SealedValueDto) sealed?: SealedValueDto;
  @IsOptional() @IsString() @MaxLength(MAX_ID_LENGTH) agentId?: string;
  @IsOptional() @IsString() @MaxLength(MAX_ID_LENGTH) stepId?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) previousResults?: unknown[];
  @IsOptional() @IsObject() environmentVariables?: Record<string, unknown>;
  @IsOptional() @ValidateNested() @Type(() => SecurityContextDto) securityContext?: SecurityContextDto;
}

export class TaskMetadataDto {
  @IsOptional() @IsString() @MaxLength(MAX_ID_LENGTH) createdBy?: string;
  @IsOptional() @IsISO8601({ strict: true }) createdAt?: string;
  /** Seconds. */
  @IsOptional() @IsNumber() @Min(0) estimatedDuration?: number;
  @IsOptional() @IsString() @MaxLength(50) complexity?: string;
  @IsOptional() @IsString() @MaxLength(100) category?: string;
}

/** A resource a task holds: `exclusive` alone, `shared` taking `units` (default 1) of its capacity. */
export class ResourceUseDto {
  @IsString() @Length(1, MAX_ID_LENGTH) id!: string;
  @IsIn(['exclusive', 'shared']) mode!: 'exclusive' | 'shared';
  @IsOptional() @IsNumber() @Min(0) units?: number;
}

export class TimeWindowDto {
  @IsISO8601({ strict: true }) start!: string;
  @IsISO8601({ strict: true }) end!: string;
}

/** The seed's task request, plus `resources`, `window` and `duration` used by conflict analysis. */
export class TaskRequestDto {
  @IsString() @Length(1, MAX_ID_LENGTH) id!: string;
  @IsOptional() @IsString() @MaxLength(MAX_ID_LENGTH) workflowId?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => RequiredCapabilityDto)
  requiredCapabilities?: RequiredCapabilityDto[];
  @IsIn(TASK_PRIORITIES, { message: `priority must be one of ${TASK_PRIORITIES.join(', ')}` }) priority!: TaskPriorityValue;
  @IsOptional() @IsISO8601({ strict: true }) deadline?: string;
  @IsOptional() @ValidateNested() @Type(() => TaskBudgetDto) budget?: TaskBudgetDto;
  @IsOptional() @ValidateNested() @Type(() => TaskContextDto) context?: TaskContextDto;
  /** Ids of the tasks this one waits for. */
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @Length(1, MAX_ID_LENGTH, { each: true }) dependencies?: string[];
  @IsOptional() @ValidateNested() @Type(() => SlaDto) slaRequirements?: SlaDto;
  @IsOptional() @ValidateNested() @Type(() => TaskMetadataDto) metadata?: TaskMetadataDto;
  /** Seconds; overrides metadata.estimatedDuration. */
  @IsOptional() @IsNumber() @Min(0) duration?: number;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ResourceUseDto) resources?: ResourceUseDto[];
  @IsOptional() @ValidateNested() @Type(() => TimeWindowDto) window?: TimeWindowDto;
}
