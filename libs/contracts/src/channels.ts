/**
 * Every subject of the wire contract, once. An address is relative to the subject prefix; `{name}` stands for
 * a token filled in when the subject is built (each one checked by {@link subjectToken}). The keys are the
 * channel names of docs/asyncapi.yaml, and a test holds the two to each other.
 */
export interface ChannelSpec {
  /** Address after the prefix, e.g. `registry.agent.{action}`. */
  readonly address: string;
  /** How it travels: a core request/reply, a core publish, or a JetStream stream subject. */
  readonly kind: 'request' | 'publish' | 'stream';
  /**
   * `service`: every instance of the service shares a queue group and one of them answers. `instance`: the
   * subject names one instance (a replica, a registry instance), which alone subscribes, with no queue group.
   */
  readonly scope: 'service' | 'instance' | 'agent' | 'client';
}

export const CHANNELS = {
  servicePing: { address: '{service}.ping', kind: 'request', scope: 'service' },
  tasksSubmit: { address: 'tasks.submit', kind: 'stream', scope: 'service' },
  /** Secure mode: a task submitted by a client under its own proven id (captured by the tasks stream too). */
  tasksSubmitAs: { address: 'as.client.{clientId}.tasks.submit', kind: 'stream', scope: 'service' },
  agentAssignments: { address: 'tasks.assigned.{agentId}', kind: 'stream', scope: 'agent' },
  event: { address: 'events.{eventName}', kind: 'stream', scope: 'client' },
  deadLetter: { address: 'dlq.{stream}.{consumer}', kind: 'stream', scope: 'client' },
  conflictDetect: { address: 'conflict.detect', kind: 'request', scope: 'service' },
  conflictResolve: { address: 'conflict.resolve', kind: 'request', scope: 'service' },
  decisionMake: { address: 'decision.make', kind: 'request', scope: 'service' },
  stakeholderBallot: { address: 'agents.{agentId}.ballot', kind: 'request', scope: 'agent' },
  consensusPropose: { address: 'consensus.propose', kind: 'request', scope: 'service' },
  /** Several commands in one request, each answered on its own (`{commands}` → `{results}`). */
  consensusProposeBatch: { address: 'consensus.propose.batch', kind: 'request', scope: 'service' },
  consensusRead: { address: 'consensus.read', kind: 'request', scope: 'service' },
  consensusStatus: { address: 'consensus.status', kind: 'request', scope: 'service' },
  /** Admin only: membership change and leadership transfer, answered by the leader (a follower forwards). */
  consensusReplicaAdd: { address: 'consensus.admin.replica.add', kind: 'request', scope: 'service' },
  consensusReplicaRemove: { address: 'consensus.admin.replica.remove', kind: 'request', scope: 'service' },
  consensusLeaderTransfer: { address: 'consensus.admin.leader.transfer', kind: 'request', scope: 'service' },
  replicaPropose: { address: 'consensus.replica.{replicaId}.propose', kind: 'request', scope: 'instance' },
  replicaProposeBatch: { address: 'consensus.replica.{replicaId}.propose.batch', kind: 'request', scope: 'instance' },
  replicaRead: { address: 'consensus.replica.{replicaId}.read', kind: 'request', scope: 'instance' },
  replicaStatus: { address: 'consensus.replica.{replicaId}.status', kind: 'request', scope: 'instance' },
  replicaFault: { address: 'consensus.replica.{replicaId}.fault', kind: 'request', scope: 'instance' },
  /** Raft traffic to `{replicaId}` from `{from}`: the server lets a replica publish only with its own id as sender. */
  replicaRaft: { address: 'consensus.replica.{replicaId}.raft.{from}', kind: 'publish', scope: 'instance' },
  replicaAdminAdd: { address: 'consensus.replica.{replicaId}.admin.add', kind: 'request', scope: 'instance' },
  replicaAdminRemove: { address: 'consensus.replica.{replicaId}.admin.remove', kind: 'request', scope: 'instance' },
  replicaAdminTransfer: { address: 'consensus.replica.{replicaId}.admin.transfer', kind: 'request', scope: 'instance' },
  registryAgentRegister: { address: 'registry.agent.register', kind: 'request', scope: 'service' },
  registryAgentHeartbeat: { address: 'registry.agent.heartbeat', kind: 'request', scope: 'service' },
  registryAgentDeregister: { address: 'registry.agent.deregister', kind: 'request', scope: 'service' },
  registryAgentGet: { address: 'registry.agent.get', kind: 'request', scope: 'service' },
  registryAgentList: { address: 'registry.agent.list', kind: 'request', scope: 'service' },
  registryAgentBatch: { address: 'registry.agent.register.batch', kind: 'request', scope: 'service' },
  registryDirectoryChanged: { address: 'registry.directory.changed.{instance}', kind: 'publish', scope: 'instance' },
  registryHandoff: { address: 'registry.handoff.initiate', kind: 'request', scope: 'service' },
  registryTaskComplete: { address: 'registry.task.complete', kind: 'request', scope: 'service' },
  agentBid: { address: 'agents.{agentId}.bid', kind: 'request', scope: 'agent' },
  agentAward: { address: 'agents.{agentId}.award', kind: 'request', scope: 'agent' },
  /** Secure mode: any service request sent by an agent or client under its own proven id (`{request}` is the plain subject after the prefix). */
  callerScoped: { address: 'as.{callerKind}.{callerId}.{request}', kind: 'request', scope: 'service' },
  identityAgentIssue: { address: 'as.client.{clientId}.identity.agent.issue', kind: 'request', scope: 'service' },
  audit: { address: 'audit.{action}.{actorKind}.{actorId}', kind: 'stream', scope: 'client' },
} as const satisfies Record<string, ChannelSpec>;

export type ChannelName = keyof typeof CHANNELS;

/** One subject token: letters, digits, `_` and `-` (no dots, wildcards, spaces or control characters). */
export const SUBJECT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Thrown when a value cannot stand as a subject token; the message names what it was and why. */
export class SubjectTokenError extends Error {
  constructor(
    readonly what: string,
    readonly value: unknown,
  ) {
    super(`${what} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 64) : value)} cannot be a subject token (1-128 of A-Z a-z 0-9 _ -)`);
    this.name = 'SubjectTokenError';
  }
}

/** Checks a value taken from a request, a reply or the store before it goes into a subject. */
export function subjectToken(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SUBJECT_TOKEN_PATTERN.test(value)) throw new SubjectTokenError(what, value);
  return value;
}

/** True when the value can stand as one subject token. */
export function isSubjectToken(value: unknown): value is string {
  return typeof value === 'string' && SUBJECT_TOKEN_PATTERN.test(value);
}

/**
 * The address of a channel with the given tokens filled in (each checked); tokens not given stay as `{name}`
 * so a transport can fill the ones it knows at run time (its replica id, its instance).
 */
export function channelAddress(name: ChannelName, tokens: Readonly<Record<string, string>> = {}): string {
  return CHANNELS[name].address.replace(/\{([a-zA-Z]+)\}/g, (whole, key: string) => (key in tokens ? subjectToken(tokens[key], key) : whole));
}

/** The `{name}` tokens an address still holds. */
export function addressTokens(address: string): string[] {
  return [...address.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]);
}
