import { IsNumber, IsOptional, Max, Min } from 'class-validator';

import { CONSENSUS_ALGORITHMS, TASK_PRIORITIES, type ConsensusAlgorithmValue, type TaskPriorityValue } from '../vocabulary';

export { CONSENSUS_ALGORITHMS, TASK_PRIORITIES, type ConsensusAlgorithmValue, type TaskPriorityValue };

/** The seed's SLA block (agents, capabilities and task requirements share it). */
export class SlaDto {
  @IsOptional() @IsNumber() @Min(0) responseTimeMs?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) availabilityPercent?: number;
  @IsOptional() @IsNumber() @Min(0) throughputPerSecond?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(100) errorRatePercent?: number;
  @IsOptional() @IsNumber() @Min(0) recoveryTimeMs?: number;
}
