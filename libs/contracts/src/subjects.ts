import type { ServiceName } from './services';

export const DEFAULT_SUBJECT_PREFIX = 'ossa';

/** A prefix is one or more subject tokens (letters, digits, `_`, `-`) joined by dots. */
export const SUBJECT_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Every subject and stream name of the wire contract, derived from one prefix (`ossa` by default). */
export interface Subjects {
  readonly prefix: string;
  ping(service: ServiceName): string;
  /** Request/reply subject of one action of a service, e.g. `request('conflict', 'resolve')`. */
  request(service: ServiceName, action: string): string;
  /** Queue group shared by every instance of a service. */
  queueGroup(service: ServiceName): string;
  readonly transportHealth: string;
  /** Subject on which one agent (or stakeholder) is asked something: `<prefix>.agents.<agentId>.<action>`. */
  agent(agentId: string, action: string): string;
  readonly tasksSubmit: string;
  readonly tasksWildcard: string;
  readonly eventsWildcard: string;
  event(eventName: string): string;
  readonly deadLetterWildcard: string;
  deadLetter(stream: string, consumer: string): string;
  readonly streams: { readonly tasks: string; readonly events: string; readonly deadLetters: string };
}

/** Agent ids that can stand as one subject token. */
export const AGENT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function subjectsFor(prefix: string = DEFAULT_SUBJECT_PREFIX): Subjects {
  if (!SUBJECT_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`subject prefix "${prefix}" is not a valid NATS subject prefix`);
  }
  // Stream names cannot contain dots; the default prefix yields the contract names OSSA_TASKS / OSSA_EVENTS.
  const streamBase = prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
  return {
    prefix,
    ping: (service) => `${prefix}.${service}.ping`,
    request: (service, action) => `${prefix}.${service}.${action}`,
    queueGroup: (service) => `${prefix}.${service}`,
    transportHealth: `${prefix}.transport.health`,
    agent: (agentId, action) => {
      if (!AGENT_TOKEN_PATTERN.test(agentId)) throw new Error(`agent id "${agentId}" cannot be a subject token`);
      return `${prefix}.agents.${agentId}.${action}`;
    },
    tasksSubmit: `${prefix}.tasks.submit`,
    tasksWildcard: `${prefix}.tasks.>`,
    eventsWildcard: `${prefix}.events.>`,
    event: (eventName) => `${prefix}.events.${eventName}`,
    deadLetterWildcard: `${prefix}.dlq.>`,
    deadLetter: (stream, consumer) => `${prefix}.dlq.${stream}.${consumer}`,
    streams: { tasks: `${streamBase}_TASKS`, events: `${streamBase}_EVENTS`, deadLetters: `${streamBase}_DLQ` },
  };
}
