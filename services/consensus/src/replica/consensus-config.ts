import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { AGENT_TOKEN_PATTERN } from '@ossa/contracts';
import { loadConfig } from '@ossa/runtime';

/** Settings of one consensus replica, on top of the shared service settings. */
export class ConsensusConfig {
  @Matches(AGENT_TOKEN_PATTERN, { message: 'REPLICA_ID must be 1-128 letters, digits, _ or -' })
  REPLICA_ID!: string;

  @Matches(/^[A-Za-z0-9_-]{1,128}(,[A-Za-z0-9_-]{1,128})*$/, { message: 'CONSENSUS_PEERS must be a comma-separated list of replica ids' })
  CONSENSUS_PEERS!: string;

  @IsIn(['raft'], { message: 'CONSENSUS_ALGORITHM must be raft (the replicated ledger runs on Raft)' })
  CONSENSUS_ALGORITHM!: 'raft';

  @IsInt() @Min(20) @Max(60_000) ELECTION_TIMEOUT_MS!: number;
  @IsInt() @Min(5) @Max(30_000) HEARTBEAT_MS!: number;
  @IsInt() @Min(10) @Max(600_000) REQUEST_TIMEOUT_MS!: number;
  @IsInt() @Min(100) @Max(10_000_000) CONSENSUS_SNAPSHOT_EVERY!: number;
  /** Entries kept behind the applied index at compaction, so a lagging follower catches up without a snapshot. */
  @IsInt() @Min(0) @Max(10_000_000) CONSENSUS_SNAPSHOT_CATCHUP_ENTRIES!: number;
  @IsString() CONSENSUS_DATA_DIR!: string;
  @IsIn(['0', '1']) CONSENSUS_FAULT_INJECTION!: '0' | '1';
  /**
   * 1: this replica joins a running cluster. CONSENSUS_PEERS then lists the voters in force plus itself; it is no
   * voter (never campaigns) until the leader's entry adding it reaches its log.
   */
  @IsIn(['0', '1']) CONSENSUS_JOIN!: '0' | '1';

  get peers(): string[] {
    return this.CONSENSUS_PEERS.split(',');
  }
}

export function loadConsensusConfig(env: Record<string, string | undefined>): ConsensusConfig {
  const replicaId = [env.CONSENSUS_REPLICA_ID, env.REPLICA_ID].find((v) => v) ?? 'r1';
  const defaults = {
    REPLICA_ID: 'r1',
    CONSENSUS_PEERS: replicaId,
    CONSENSUS_ALGORITHM: 'raft',
    ELECTION_TIMEOUT_MS: '150',
    HEARTBEAT_MS: '50',
    REQUEST_TIMEOUT_MS: '5000',
    CONSENSUS_SNAPSHOT_EVERY: '10000',
    CONSENSUS_SNAPSHOT_CATCHUP_ENTRIES: '5000',
    CONSENSUS_DATA_DIR: '.data',
    CONSENSUS_FAULT_INJECTION: '0',
    CONSENSUS_JOIN: '0',
  };
  return loadConfig(ConsensusConfig, { service: 'consensus', scope: 'CONSENSUS', defaults, check: crossCheck }, env);
}

function crossCheck(config: ConsensusConfig) {
  if (!config.peers.includes(config.REPLICA_ID)) {
    return [{ variable: 'CONSENSUS_PEERS', value: config.CONSENSUS_PEERS, message: `must include REPLICA_ID ${config.REPLICA_ID}` }];
  }
  if (config.HEARTBEAT_MS * 2 > config.ELECTION_TIMEOUT_MS) {
    return [{ variable: 'HEARTBEAT_MS', value: config.HEARTBEAT_MS, message: `must be at most half of ELECTION_TIMEOUT_MS (${config.ELECTION_TIMEOUT_MS})` }];
  }
  return [];
}
