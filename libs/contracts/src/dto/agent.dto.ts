import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AGENT_TOKEN_PATTERN } from '../subjects';
import { SlaDto } from './common.dto';
import { MAX_ID_LENGTH, RequiredCapabilityDto, TaskRequestDto, type SealedValueDto } from './task-request.dto';

import { AGENT_STATES, type AgentStateValue } from '../vocabulary';

export { AGENT_STATES, type AgentStateValue };

/** Capability versions an agent offers: `MAJOR`, `MAJOR.MINOR` or `MAJOR.MINOR.PATCH`. */
export const CAPABILITY_VERSION_PATTERN = /^\d{1,9}(\.\d{1,9}){0,2}$/;

export const MAX_CAPABILITIES_PER_AGENT = 200;
export const AGENT_LIST_DEFAULT_LIMIT = 100;
export const AGENT_LIST_MAX_LIMIT = 1000;

const agentIdMessage = '$property must be 1-128 letters, digits, "_" or "-" (one NATS subject token)';

/** What using a capability costs: `baseUnits × scalingFactor^complexity` in `currency`. */
export class CapabilityCostDto {
  @IsNumber() @Min(0) baseUnits!: number;
  @IsNumber() @Min(0) scalingFactor!: number;
  @IsOptional() @IsString() @Length(1, 20) currency?: string;
  /** The task must carry a budget in this currency for the agent to take it. */
  @IsOptional() @IsBoolean() budgetRequired?: boolean;
}

export class AgentCapabilityDto {
  @IsString() @Length(1, MAX_ID_LENGTH) id!: string;
  @IsString() @Length(1, MAX_ID_LENGTH) name!: string;
  @IsOptional()
  @IsString()
  @Matches(CAPABILITY_VERSION_PATTERN, { message: '$property must look like 1, 1.2 or 1.2.3' })
  version?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) parameters?: unknown[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) constraints?: unknown[];
  @IsOptional() @ValidateNested() @Type(() => CapabilityCostDto) cost?: CapabilityCostDto;
  @IsOptional() @ValidateNested() @Type(() => SlaDto) sla?: SlaDto;
}

export class AgentMetadataDto {
  @IsOptional() @IsString() @Length(1, 50) version?: string;
  @IsOptional() @IsString() @Length(1, 100) framework?: string;
  @IsOptional() @IsString() @Length(1, 100) region?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, 100, { each: true }) tags?: string[];
  @IsOptional() @IsString() @Length(1, MAX_ID_LENGTH) owner?: string;
  @IsOptional() @IsISO8601({ strict: true }) createdAt?: string;
  @IsOptional() @IsISO8601({ strict: true }) lastUpdated?: string;
}

/** The seed's agent record, field for field; dates are ISO 8601 strings. */
export class AgentDto {
  @IsString() @Matches(AGENT_TOKEN_PATTERN, { message: agentIdMessage }) id!: string;
  @IsString() @Length(1, MAX_ID_LENGTH) name!: string;
  @IsString() @Length(1, 100) type!: string;
  @IsArray()
  @ArrayMaxSize(MAX_CAPABILITIES_PER_AGENT)
  @ValidateNested({ each: true })
  @Type(() => AgentCapabilityDto)
  capabilities!: AgentCapabilityDto[];
  @IsIn(AGENT_STATES, { message: `state must be one of ${AGENT_STATES.join(', ')}` }) state!: AgentStateValue;
  @IsNumber() @Min(0) currentLoad!: number;
  @IsNumber() @Min(0) maxLoad!: number;
  @IsOptional() @ValidateNested() @Type(() => SlaDto) sla?: SlaDto;
  @IsNumber() @Min(0) @Max(1) trustScore!: number;
  @IsOptional() @IsISO8601({ strict: true }) lastHeartbeat?: string;
  @IsOptional() @ValidateNested() @Type(() => AgentMetadataDto) metadata?: AgentMetadataDto;
}

/** `ossa.registry.agent.heartbeat`: the agent is alive, optionally with its load and state. */
export class AgentHeartbeatDto {
  @IsString() @Matches(AGENT_TOKEN_PATTERN, { message: agentIdMessage }) agentId!: string;
  @IsOptional() @IsNumber() @Min(0) currentLoad?: number;
  @IsOptional() @IsIn(AGENT_STATES, { message: `state must be one of ${AGENT_STATES.join(', ')}` }) state?: AgentStateValue;
}

/** `ossa.registry.agent.get` / `.deregister`. */
export class AgentRefDto {
  @IsString() @Matches(AGENT_TOKEN_PATTERN, { message: agentIdMessage }) agentId!: string;
}

/** Agents one `ossa.registry.agent.register.batch` request may carry. */
export const AGENT_BATCH_MAX = 1000;

/** `ossa.registry.agent.register.batch`: many agents in one request, validated whole before any is stored. */
export class AgentBatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(AGENT_BATCH_MAX)
  @ValidateNested({ each: true })
  @Type(() => AgentDto)
  agents!: AgentDto[];
}

/** `ossa.registry.agent.list`: every filter is optional; pages of `limit` agents follow `cursor`. */
export class AgentListDto {
  @IsOptional() @IsString() @Length(1, MAX_ID_LENGTH) capability?: string;
  /** Only agents whose `capability` is compatible with this version (needs `capability`). */
  @IsOptional() @IsString() @Length(1, 50) version?: string;
  @IsOptional() @IsIn(AGENT_STATES, { message: `state must be one of ${AGENT_STATES.join(', ')}` }) state?: AgentStateValue;
  @IsOptional() @IsString() @Length(1, 100) region?: string;
  @IsOptional() @IsString() @Length(1, 100) tag?: string;
  @IsOptional() @IsInt() @Min(1) @Max(AGENT_LIST_MAX_LIMIT) limit?: number = AGENT_LIST_DEFAULT_LIMIT;
  /** Opaque: whatever the previous page returned as `nextCursor`. */
  @IsOptional() @IsString() @Length(1, 500) cursor?: string;
}

/** A task request handed to the registry: at least one required capability. */
export class HandoffRequestDto extends TaskRequestDto {
  // ValidateIf replaces the inherited IsOptional (same conditional slot), so absent or null is an error here.
  @ValidateIf(() => true)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RequiredCapabilityDto)
  override requiredCapabilities: RequiredCapabilityDto[] = [];
}

export const TASK_OUTCOMES = ['succeeded', 'failed'] as const;
export type TaskOutcomeValue = (typeof TASK_OUTCOMES)[number];

/** Most base64 characters of a sealed task result (about 384 KiB of result), so the event carrying it fits a NATS message. */
export const MAX_SEALED_RESULT_CHARS = 512 * 1024;

/** A sealed result: the envelope of SealedValueDto with a tighter bound on the ciphertext. */
export class SealedResultDto implements SealedValueDto {
  @IsIn(['aes-256-gcm'], { message: 'enc must be aes-256-gcm' }) enc!: 'aes-256-gcm';
  @IsString() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'kid must be a key id (1-64 letters, digits, _ . -)' }) kid!: string;
  @IsString() @Matches(/^[A-Za-z0-9+/]{16}$/, { message: 'iv must be 12 bytes in base64' }) iv!: string;
  @IsString() @Matches(/^[A-Za-z0-9+/]{22}==$/, { message: 'tag must be 16 bytes in base64' }) tag!: string;
  @IsString()
  @Length(0, MAX_SEALED_RESULT_CHARS, { message: `ct must be at most ${MAX_SEALED_RESULT_CHARS} base64 characters` })
  @Matches(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'ct must be base64' })
  ct!: string;
}

/** What an agent hands back with a completed task; only key holders read it. */
export class TaskResultDto {
  /** The result sealed end to end by the agent for the task's submitter (`sealJson`, associated data `task/<taskId>#result`). */
  @IsDefined({ message: "sealed must be a sealed value {enc, kid, iv, tag, ct}" }) @ValidateNested() @Type(() => SealedResultDto) sealed!: SealedResultDto;
}

/** `ossa.registry.task.complete`: releases the load the task held on its agent, with its sealed result if any. */
export class TaskCompleteDto {
  @IsString() @Length(1, MAX_ID_LENGTH) taskId!: string;
  @IsString() @Matches(AGENT_TOKEN_PATTERN, { message: agentIdMessage }) agentId!: string;
  @IsOptional() @IsIn(TASK_OUTCOMES, { message: `outcome must be one of ${TASK_OUTCOMES.join(', ')}` }) outcome?: TaskOutcomeValue;
  @IsOptional() @ValidateNested() @Type(() => TaskResultDto) result?: TaskResultDto;
}

/** Sent to `<prefix>.agents.<agentId>.bid`: will you take this task? */
export interface BidInvitation {
  negotiationId: string;
  taskId: string;
  task: TaskRequestDto;
  /** ISO 8601: replies after this instant are ignored. */
  deadline: string;
  bidWindowMs: number;
}

/** An agent's answer to a {@link BidInvitation}. */
export type BidReply =
  | { bid: true; price?: number; estimatedDurationMs?: number; confidence?: number }
  | { decline: true; reason?: string };

/** Sent to the winner on `<prefix>.agents.<agentId>.award`. */
export interface AwardMessage {
  negotiationId: string;
  taskId: string;
  agentId: string;
}

/** The winner's confirmation of an {@link AwardMessage}. */
export interface AwardAck {
  accepted: boolean;
}
