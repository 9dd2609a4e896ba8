import { channelAddress, SUBJECT_TOKEN_PATTERN, subjectToken, type ChannelName } from './channels';
import type { ServiceName } from './services';

export const DEFAULT_SUBJECT_PREFIX = 'ossa';

/** A prefix is one or more subject tokens (letters, digits, `_`, `-`) joined by dots. */
export const SUBJECT_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Every subject and stream name of the wire contract, derived from one prefix (`ossa` by default). */
export interface Subjects {
  readonly prefix: string;
  /** A channel of the contract (see CHANNELS) with its tokens filled in and checked. */
  channel(name: ChannelName, tokens?: Readonly<Record<string, string>>): string;
  ping(service: ServiceName): string;
  /** Request/reply subject of one action of a service, e.g. `request('conflict', 'resolve')`. */
  request(service: ServiceName, action: string): string;
  /** Queue group shared by every instance of a service. */
  queueGroup(service: ServiceName): string;
  readonly transportHealth: string;
  /** Subject on which one agent (or stakeholder) is asked something: `<prefix>.agents.<agentId>.<action>`. */
  agent(agentId: string, action: 'bid' | 'award' | 'ballot'): string;
  /** One consensus replica's own subject: `<prefix>.consensus.replica.<replicaId>.<action>`. */
  replica(replicaId: string, action: ReplicaAction): string;
  /** Raft traffic to one replica from another: `<prefix>.consensus.replica.<to>.raft.<from>`. */
  raft(to: string, from: string): string;
  /** Durable assignments of one agent (stream OSSA_TASKS). */
  tasksAssigned(agentId: string): string;
  readonly tasksAssignedWildcard: string;
  /** Announcements of one registry instance's directory changes to the others. */
  directoryChanged(instance: string): string;
  readonly directoryChangedWildcard: string;
  readonly tasksSubmit: string;
  /** A task a client submits under its own proven id: `<prefix>.as.client.<clientId>.tasks.submit`. */
  tasksSubmitAs(clientId: string): string;
  /** Every client's caller-scoped submit subject (the tasks stream captures it). */
  readonly tasksSubmitAsWildcard: string;
  readonly tasksWildcard: string;
  readonly eventsWildcard: string;
  event(eventName: string): string;
  readonly deadLetterWildcard: string;
  deadLetter(stream: string, consumer: string): string;
  readonly streams: { readonly tasks: string; readonly events: string; readonly deadLetters: string };
}

/** Agent ids that can stand as one subject token. */
export const AGENT_TOKEN_PATTERN = SUBJECT_TOKEN_PATTERN;

const REPLICA_ACTIONS = {
  propose: 'replicaPropose',
  'propose.batch': 'replicaProposeBatch',
  read: 'replicaRead',
  status: 'replicaStatus',
  fault: 'replicaFault',
  'admin.add': 'replicaAdminAdd',
  'admin.remove': 'replicaAdminRemove',
  'admin.transfer': 'replicaAdminTransfer',
} as const;
/** The actions on one replica's own subjects. */
export type ReplicaAction = keyof typeof REPLICA_ACTIONS;
const AGENT_ACTIONS = { bid: 'agentBid', award: 'agentAward', ballot: 'stakeholderBallot' } as const;

export function subjectsFor(prefix: string = DEFAULT_SUBJECT_PREFIX): Subjects {
  if (!SUBJECT_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`subject prefix "${prefix}" is not a valid NATS subject prefix`);
  }
  // Stream names cannot contain dots; the default prefix yields the contract names OSSA_TASKS / OSSA_EVENTS.
  const streamBase = prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
  const channel = (name: ChannelName, tokens?: Readonly<Record<string, string>>) => `${prefix}.${channelAddress(name, tokens)}`;
  // Actions are fixed by the code, never taken from input, but may hold dots (`agent.register.batch`).
  const request = (service: ServiceName, action: string) => `${prefix}.${subjectToken(service, 'service')}.${action}`;
  return {
    prefix,
    channel,
    ping: (service) => channel('servicePing', { service }),
    request,
    queueGroup: (service) => `${prefix}.${subjectToken(service, 'service')}`,
    transportHealth: `${prefix}.transport.health`,
    agent: (agentId, action) => channel(AGENT_ACTIONS[action], { agentId }),
    replica: (replicaId, action) => channel(REPLICA_ACTIONS[action], { replicaId }),
    raft: (to, from) => channel('replicaRaft', { replicaId: to, from }),
    tasksAssigned: (agentId) => channel('agentAssignments', { agentId }),
    tasksAssignedWildcard: `${prefix}.tasks.assigned.*`,
    directoryChanged: (instance) => channel('registryDirectoryChanged', { instance }),
    directoryChangedWildcard: `${prefix}.registry.directory.changed.*`,
    tasksSubmit: channel('tasksSubmit'),
    tasksSubmitAs: (clientId) => channel('tasksSubmitAs', { clientId }),
    tasksSubmitAsWildcard: `${prefix}.as.client.*.tasks.submit`,
    tasksWildcard: `${prefix}.tasks.>`,
    eventsWildcard: `${prefix}.events.>`,
    event: (eventName) => channel('event', { eventName }),
    deadLetterWildcard: `${prefix}.dlq.>`,
    deadLetter: (stream, consumer) => channel('deadLetter', { stream, consumer }),
    streams: { tasks: `${streamBase}_TASKS`, events: `${streamBase}_EVENTS`, deadLetters: `${streamBase}_DLQ` },
  };
}
