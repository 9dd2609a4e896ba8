import { plainToInstance } from 'class-transformer';
import { IsInt, Max, Min, validateSync } from 'class-validator';
import { ConfigurationError } from '@ossa/runtime';

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
};

export function loadRegistryConfig(env: Record<string, string | undefined>): RegistryConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, fallback] of Object.entries(KEYS)) {
    const value = env[`REGISTRY_${key}`] ?? env[key] ?? fallback;
    raw[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const config = plainToInstance(RegistryConfig, raw);
  const errors = validateSync(config);
  if (errors.length) {
    throw new ConfigurationError('registry', errors.map((e) => ({ variable: e.property, value: e.value, message: Object.values(e.constraints ?? {}).join('; ') })));
  }
  return config;
}
