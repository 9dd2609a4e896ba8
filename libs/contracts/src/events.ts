/** Event names published on `<prefix>.events.<eventName>` (stream OSSA_EVENTS). */
export const EVENT_NAMES = {
  agentRegistered: 'agentRegistered',
  agentFailed: 'agentFailed',
  handoffCompleted: 'handoffCompleted',
  handoffFailed: 'handoffFailed',
  /** An agent finished a task (completed or failed), with its sealed result if it gave one. */
  taskCompleted: 'taskCompleted',
  consensusReached: 'consensusReached',
  leaderElected: 'leaderElected',
  conflictResolved: 'conflictResolved',
  decisionMade: 'decisionMade',
  partitionDetected: 'partitionDetected',
  circuitBreakerTripped: 'circuitBreakerTripped',
  serviceStarted: 'serviceStarted',
  serviceStopped: 'serviceStopped',
  messageDeadLettered: 'messageDeadLettered',
} as const;
export type EventName = (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES];

/** Event names are single subject tokens in lower camel case. */
export const EVENT_NAME_PATTERN = /^[a-z][A-Za-z0-9]*$/;

/** Every event on the wire carries this envelope; `id` is also the `Nats-Msg-Id` header. */
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  /** ISO 8601 time the event was produced. */
  at: string;
  /** `<service>/<instance>` that produced it. */
  source: string;
  data: T;
}
