import { IsNumber, IsOptional, Max, Min } from 'class-validator';

export const TASK_PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type TaskPriorityValue = (typeof TASK_PRIORITIES)[number];

export const CONSENSUS_ALGORITHMS = ['raft', 'pbft', 'simple_majority'] as const;
export type ConsensusAlgorithmValue = (typeof CONSENSUS_ALGORITHMS)[number];

/** The seed's SLA block (agents, capabilities and task requirements share it). */
export class SlaDto {
  @IsOptional() @IsNumber() @Min(0) responseTimeMs?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) availabilityPercent?: number;
  @IsOptional() @IsNumber() @Min(0) throughputPerSecond?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) errorRatePercent?: number;
  @IsOptional() @IsNumber() @Min(0) recoveryTimeMs?: number;
}
