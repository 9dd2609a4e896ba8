import { IsIn, IsInt, Max, Min } from 'class-validator';
import { loadConfig } from '@ossa/runtime';

/** Registry settings on top of the shared service settings. */
export class RegistryConfig {
  /** Agents one registry holds; past it registration answers AGENT_CAPACITY_EXCEEDED. */
  @IsInt() @Min(1) @Max(10_000_000) MAX_AGENTS!: number;
  /** An agent silent this long is marked failed and its tasks are handed over. */
  @IsInt() @Min(100) @Max(86_400_000) HEARTBEAT_TIMEOUT_MS!: number;
  @IsInt() @Min(50) @Max(3_600_000) SWEEP_INTERVAL_MS!: number;
  /** How long invited agents have to bid. */
  @IsInt() @Min(1) @Max(60_000) BID_WINDOW_MS!: number;
  /** Best-scored candidates invited to bid in one round. */
  @IsInt() @Min(1) @Max(100) MAX_BIDDERS!: number;
  /** How long the winner has to confirm an award. */
  @IsInt() @Min(1) @Max(60_000) AWARD_TIMEOUT_MS!: number;
  /** An agent with no listener on its bid (award) subject is not asked again for this long, or until its next heartbeat; 0: always ask. */
  @IsInt() @Min(0) @Max(3_600_000) LISTENER_RECHECK_MS!: number;
  /** A submitted task a registry took but did not finish (it stopped or died) goes to another after this long. */
  @IsInt() @Min(1000) @Max(3_600_000) TASK_ACK_WAIT_MS!: number;
  /** A claim in the ledger older than this (its negotiation stopped or died) is taken over by another negotiation of the task. */
  @IsInt() @Min(100) @Max(3_600_000) CLAIM_STALE_MS!: number;
  /**
   * How each instance's directory learns of changes made by others: `watch` (the key-value store's watch,
   * when that store is in use) or `announce` (core NATS announcements plus a periodic resync; always with MongoDB).
   */
  @IsIn(['watch', 'announce']) DIRECTORY_FEED!: 'watch' | 'announce';
  /** Each instance re-reads every agent from the store this often, to repair changes it missed. */
  @IsInt() @Min(1000) @Max(86_400_000) DIRECTORY_RESYNC_MS!: number;
}

const KEYS: Record<keyof RegistryConfig, string> = {
  MAX_AGENTS: '10000',
  HEARTBEAT_TIMEOUT_MS: '30000',
  SWEEP_INTERVAL_MS: '5000',
  BID_WINDOW_MS: '150',
  MAX_BIDDERS: '5',
  AWARD_TIMEOUT_MS: '500',
  LISTENER_RECHECK_MS: '10000',
  DIRECTORY_RESYNC_MS: '60000',
  TASK_ACK_WAIT_MS: '10000',
  CLAIM_STALE_MS: '10000',
  DIRECTORY_FEED: 'watch',
};

export function loadRegistryConfig(env: Record<string, string | undefined>): RegistryConfig {
  return loadConfig(RegistryConfig, { service: 'registry', scope: 'REGISTRY', defaults: KEYS }, env);
}
