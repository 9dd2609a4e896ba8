import { AGENT_TOKEN_PATTERN } from '@ossa/contracts';

/**
 * The handoff of one task as a state machine kept in the coordination ledger, one key per task. Every
 * transition is a compare-and-set from the exact value read, so of two registry steps racing on one task
 * exactly one applies; the loser reads the winner's value and follows it. Pure: no I/O, no clock.
 *
 *   (none) ─► claimed ─► recorded ─► delivered ─► completed
 *                │          │  │         │  └──► failed ─┐
 *                ▼          │  └─────────┴──► reassigned ─┤ (failover: agent failed or deregistered)
 *             released      └──► completed / failed       │
 *                └───────────────────────► claimed ◄──────┘ (next epoch)
 */
export const HANDOFF_STATES = ['claimed', 'recorded', 'delivered', 'completed', 'failed', 'released', 'reassigned'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];

export interface HandoffLedgerValue {
  state: HandoffState;
  /** Grows by one with each new claim of the task (after a release, a failure or a failover); never reused. */
  epoch: number;
  /** The agent claimed, recorded, delivered to, that completed or failed it — or that it left (released, reassigned). */
  agentId: string;
  /** The negotiation that made the last transition (a claim taken over gets the new one). */
  negotiationId: string;
  /** When the last transition was made (epoch ms, the writer's clock): a claim this old is taken over. */
  at: number;
}

/** Which states each state may move to. `claimed → claimed` is the takeover of a stale claim (same agent and epoch). */
export const TRANSITIONS: Readonly<Record<HandoffState | 'none', readonly HandoffState[]>> = {
  none: ['claimed'],
  claimed: ['claimed', 'recorded', 'released'],
  // An agent may finish a task whose delivery is still being confirmed.
  recorded: ['delivered', 'completed', 'failed', 'reassigned'],
  delivered: ['completed', 'failed', 'reassigned'],
  completed: [],
  // A failed task may be submitted again under its id.
  failed: ['claimed'],
  released: ['claimed'],
  // Deadline passed while waiting for another agent: failed.
  reassigned: ['claimed', 'failed'],
};

/** States in which an agent holds the task: they count toward its load and move on failover. */
export const ACTIVE_STATES: ReadonlySet<HandoffState> = new Set(['recorded', 'delivered']);
/** States from which a negotiation may claim the task afresh (next epoch). */
export const CLAIMABLE_STATES: ReadonlySet<HandoffState> = new Set(['released', 'failed', 'reassigned']);

export const handoffLedgerKey = (taskId: string): string => `handoff/task/${taskId}/state`;
/** Nats-Msg-Id of an assignment: one per task and epoch, so A → B → A inside the duplicate window is delivered again. */
export const assignmentMessageId = (taskId: string, epoch: number): string => `assigned:${taskId}:${epoch}`;
export const completedEventId = (taskId: string, epoch: number): string => `handoffCompleted:${taskId}:${epoch}`;

const NEGOTIATION_ID = /^[A-Za-z0-9-]{1,64}$/;

export function canTransition(from: HandoffState | null, to: HandoffState): boolean {
  return TRANSITIONS[from ?? 'none'].includes(to);
}

/** Stored as `state|epoch|agentId|negotiationId|at`: every part is a token without `|`, so the text is canonical. */
export function encodeHandoffState(v: HandoffLedgerValue): string {
  return `${v.state}|${v.epoch}|${v.agentId}|${v.negotiationId}|${v.at}`;
}

/** The value read from the ledger, checked part by part; null for anything else (never trusted to build a subject). */
export function decodeHandoffState(text: string | null | undefined): HandoffLedgerValue | null {
  if (typeof text !== 'string' || text.length > 512) return null;
  const parts = text.split('|');
  if (parts.length !== 5) return null;
  const [state, epochText, agentId, negotiationId, atText] = parts;
  if (!(HANDOFF_STATES as readonly string[]).includes(state)) return null;
  if (!/^[1-9]\d{0,15}$/.test(epochText) || !/^\d{1,16}$/.test(atText)) return null;
  const epoch = Number(epochText);
  const at = Number(atText);
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(at)) return null;
  if (!AGENT_TOKEN_PATTERN.test(agentId) || !NEGOTIATION_ID.test(negotiationId)) return null;
  return { state: state as HandoffState, epoch, agentId, negotiationId, at };
}

export class IllegalTransitionError extends Error {
  constructor(from: HandoffState | null, to: HandoffState) {
    super(`handoff cannot move from ${from ?? 'none'} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * The value after a transition. A claim from nothing starts epoch 1; a claim after a release, failure or
 * failover starts the next epoch; a takeover of a claim keeps its agent and epoch; every other step keeps
 * the agent and epoch it had.
 */
export function nextHandoffState(
  current: HandoffLedgerValue | null,
  to: HandoffState,
  step: { agentId?: string; negotiationId: string; at: number },
): HandoffLedgerValue {
  const from = current?.state ?? null;
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  if (to === 'claimed') {
    if (current?.state === 'claimed') return { ...current, negotiationId: step.negotiationId, at: step.at };
    if (!step.agentId) throw new Error('a claim names its agent');
    return { state: 'claimed', epoch: (current?.epoch ?? 0) + 1, agentId: step.agentId, negotiationId: step.negotiationId, at: step.at };
  }
  return { ...current!, state: to, negotiationId: step.negotiationId, at: step.at };
}
